import type { OperatorStatus, QueueCall, QueueSnapshot } from '@korgon/domain';
import {
  activeCalls,
  callViews,
  type LiveSink,
  operatorViews,
  setOperatorStatus,
  withQueueTransaction,
} from '@korgon/queue';
import type pg from 'pg';
import { AppError, ConflictError, NotFoundError } from '../../errors';
import type { SessionUser } from '../auth/repository';

/** The live queue: snapshots, taking a call (exactly one operator wins, decided in PostgreSQL), states. */
export function createQueueService(pool: pg.Pool, sink: LiveSink) {
  return {
    /** Version, calls and operators read in one consistent snapshot. */
    async snapshot(): Promise<QueueSnapshot> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        const { rows } = await client.query<{ version: number; now: Date }>(
          'SELECT version, clock_timestamp() AS now FROM queue_state WHERE id = 1',
        );
        const calls = await activeCalls(client);
        const operators = await operatorViews(client);
        await client.query('COMMIT');
        return {
          version: Number(rows[0]?.version ?? 0),
          serverTime: (rows[0]?.now ?? new Date()).toISOString(),
          calls,
          operators,
        };
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },

    /**
     * Takes a waiting call for `user` and opens its consultation draft. Concurrent takers serialise on the
     * call's row: the first UPDATE wins, every other one finds it taken and gets 409.
     */
    async claim(
      callId: string,
      user: SessionUser,
      consultationId?: string,
    ): Promise<{ call: QueueCall; consultationId: string }> {
      const id = consultationId ?? crypto.randomUUID();
      return withQueueTransaction(pool, sink, async (client, pending) => {
        const won = await client.query(
          `UPDATE calls SET operator_id = $2, taken_at = now(), updated_at = now()
            WHERE id = $1 AND state = 'waiting' AND operator_id IS NULL RETURNING id`,
          [callId, user.id],
        );
        if (!won.rowCount) {
          const existing = (await callViews(client, [callId])).get(callId);
          if (!existing) throw new NotFoundError('That call');
          if (existing.takenBy)
            throw new ConflictError(`${existing.takenBy.displayName} has already taken this call.`);
          throw new ConflictError(`This call is no longer waiting (it is ${existing.state}).`);
        }
        const inserted = await client.query(
          `INSERT INTO consultations (id, call_id, channel, operator_id, caller_hash, taxonomy_version)
           SELECT $1, c.id, 'call', $2, c.caller_hash,
                  (SELECT version FROM taxonomy_versions WHERE active ORDER BY created_at DESC LIMIT 1)
             FROM calls c WHERE c.id = $3
           ON CONFLICT (id) DO NOTHING RETURNING id`,
          [id, user.id, callId],
        );
        if (!inserted.rowCount)
          throw new ConflictError('That consultation id is in use already; make a new one.');
        await setOperatorStatus(client, pending, user.id, 'on_call', { callId });
        pending.calls.add(callId);
        const call = (await callViews(client, [callId])).get(callId);
        if (!call) throw new NotFoundError('That call');
        return { call: { ...call, consultationId: id }, consultationId: id };
      });
    },

    async setStatus(
      user: SessionUser,
      status: OperatorStatus,
      opts: { onlyIf?: OperatorStatus[] } = {},
    ): Promise<boolean> {
      if (status === 'on_call' || status === 'wrap_up') {
        throw new AppError(
          400,
          'invalid_request',
          'On call and wrap-up follow the calls; choose available, break or offline.',
        );
      }
      return withQueueTransaction(pool, sink, (client, pending) =>
        setOperatorStatus(client, pending, user.id, status, opts),
      );
    },
  };
}
export type QueueService = ReturnType<typeof createQueueService>;
