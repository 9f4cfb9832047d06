import { writeAudit } from '@korgon/db';
import type { CallOutcomes, OperatorStatus, QueueCall, QueueSnapshot } from '@korgon/domain';
import {
  activeCalls,
  type CallLimits,
  callViews,
  type LiveSink,
  openCallConsultation,
  operatorViews,
  renewLostDeadlines,
  setOperatorStatus,
  withQueueTransaction,
} from '@korgon/queue';
import type pg from 'pg';
import { AppError, ConflictError, ForbiddenError, NotFoundError } from '../../errors';
import type { SessionUser } from '../auth/repository';

/** States in which an operator can be given a waiting call: at her console and not on another call. */
const GIVABLE: readonly OperatorStatus[] = ['available', 'wrap_up'];
const STATE_PHRASE: Record<OperatorStatus, string> = {
  available: 'available',
  on_call: 'on another call',
  wrap_up: 'in wrap-up',
  break: 'on a break',
  offline: 'offline',
};

/** The live queue: snapshots, taking a call (exactly one operator wins, decided in PostgreSQL), states. */
export function createQueueService(
  pool: pg.Pool,
  sink: LiveSink,
  limits: CallLimits,
  settings: { breakOfferMinutes: number },
) {
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
          breakOfferMinutes: settings.breakOfferMinutes,
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
        const taken = await client.query('SELECT 1 FROM consultations WHERE id = $1', [id]);
        if (taken.rowCount)
          throw new ConflictError('That consultation id is in use already; make a new one.');
        // One draft per call: a waiting call has none yet, unless one was opened for it before it was taken.
        const draft = await openCallConsultation(client, callId, user.id, id);
        if (draft.operatorId !== user.id)
          throw new ConflictError('This call has a consultation by someone else already.');
        await setOperatorStatus(client, pending, user.id, 'on_call', { callId });
        await renewLostDeadlines(client, pending, [callId], limits);
        pending.calls.add(callId);
        const call = (await callViews(client, [callId])).get(callId);
        if (!call) throw new NotFoundError('That call');
        return { call: { ...call, consultationId: draft.id }, consultationId: draft.id };
      });
    },

    /**
     * Opens the consultation draft of a call the user has (taken in the console, answered at her extension,
     * or assigned to her): one per call, so a second console or tab gets the same one.
     */
    async openConsultation(
      callId: string,
      user: SessionUser,
    ): Promise<{ call: QueueCall; consultationId: string; created: boolean }> {
      return withQueueTransaction(pool, sink, async (client, pending) => {
        const { rows } = await client.query<{ operator_id: string | null }>(
          'SELECT operator_id FROM calls WHERE id = $1 FOR UPDATE',
          [callId],
        );
        const row = rows[0];
        if (!row) throw new NotFoundError('That call');
        if (row.operator_id !== user.id)
          throw new ForbiddenError(
            row.operator_id
              ? 'Another operator has this call: only she records it.'
              : 'This call is not yours: take it first, or ask a supervisor to assign it to you.',
          );
        const draft = await openCallConsultation(client, callId, user.id);
        if (draft.operatorId !== user.id)
          throw new ConflictError('This call has a consultation by someone else already.');
        if (draft.created) pending.calls.add(callId);
        const call = (await callViews(client, [callId])).get(callId);
        if (!call) throw new NotFoundError('That call');
        return { call, consultationId: draft.id, created: draft.created };
      });
    },

    /**
     * A supervisor gives a call to an operator: a waiting call nobody has taken (it becomes hers as if she had
     * taken it; she must be free for it: available or in wrap-up), or a call answered at an extension nobody
     * holds (she answered it). Either way she is on call with its consultation draft opened, the call names
     * who gave it (her desk says so), and it is audited and pushed like any change.
     */
    async assign(callId: string, operatorId: string, actor: SessionUser): Promise<QueueCall> {
      return withQueueTransaction(pool, sink, async (client, pending) => {
        const target = await client.query<{ role: string; display_name: string }>(
          'SELECT role, display_name FROM users WHERE id = $1 AND active',
          [operatorId],
        );
        const role = target.rows[0]?.role;
        const name = target.rows[0]?.display_name ?? '';
        if (role !== 'operator' && role !== 'supervisor')
          throw new AppError(400, 'invalid_request', 'Choose an active operator to give the call to.');
        // The call's row first, then her state: the same order as a claim, so the two never deadlock.
        const { rows } = await client.query<{
          state: string;
          operator_id: string | null;
          extension: string | null;
          holder: string | null;
        }>(
          `SELECT c.state, c.operator_id, c.extension, u.display_name AS holder
             FROM calls c LEFT JOIN users u ON u.id = c.operator_id WHERE c.id = $1 FOR UPDATE OF c`,
          [callId],
        );
        const row = rows[0];
        if (!row) throw new NotFoundError('That call');
        if (row.operator_id) throw new ConflictError(`${row.holder ?? 'Someone'} has this call already.`);
        if (row.state !== 'answered' && row.state !== 'waiting')
          throw new ConflictError(
            `Only a waiting call, or one answered at an unknown extension, can be given to an operator (this one is ${row.state}).`,
          );
        let fromStatus: OperatorStatus = 'offline';
        if (row.state === 'waiting') {
          const st = await client.query<{ status: OperatorStatus }>(
            'SELECT status FROM operator_states WHERE user_id = $1 FOR UPDATE',
            [operatorId],
          );
          fromStatus = st.rows[0]?.status ?? 'offline';
          if (!GIVABLE.includes(fromStatus))
            throw new ConflictError(
              `${name} is ${STATE_PHRASE[fromStatus]}: give the call to someone available (or in wrap-up).`,
            );
        }
        await client.query(
          `UPDATE calls SET operator_id = $2, taken_at = now(), assigned_by = $3, updated_at = now()
            WHERE id = $1`,
          [callId, operatorId, actor.id],
        );
        const draft = await openCallConsultation(client, callId, operatorId);
        if (draft.operatorId !== operatorId)
          throw new ConflictError('This call has a consultation by someone else already.');
        await setOperatorStatus(client, pending, operatorId, 'on_call', { callId });
        await renewLostDeadlines(client, pending, [callId], limits);
        await writeAudit(client, {
          action: 'call.assigned',
          actorId: actor.id,
          actorRole: actor.role,
          targetType: 'call',
          targetId: callId,
          details: {
            operatorId,
            callState: row.state,
            extension: row.extension,
            consultationId: draft.id,
            ...(row.state === 'waiting' ? { operatorState: fromStatus } : {}),
          },
        });
        pending.calls.add(callId);
        const call = (await callViews(client, [callId])).get(callId);
        if (!call) throw new NotFoundError('That call');
        return call;
      });
    },

    /**
     * Outcomes of the calls offered since `since` (default: midnight in Bishkek today), lost counted apart from
     * answered and abandoned.
     */
    async outcomes(since?: Date): Promise<CallOutcomes> {
      const { rows } = await pool.query<Record<keyof CallOutcomes, string> & { since: Date }>(
        `WITH s AS (SELECT coalesce($1::timestamptz,
                             date_trunc('day', now() AT TIME ZONE 'Asia/Bishkek') AT TIME ZONE 'Asia/Bishkek') AS since)
         SELECT (SELECT since FROM s) AS since,
                count(*) FILTER (WHERE state = 'ended' AND answered_at IS NOT NULL) AS answered,
                count(*) FILTER (WHERE state = 'abandoned') AS abandoned,
                count(*) FILTER (WHERE state = 'abandoned' AND short_abandoned) AS "shortAbandoned",
                count(*) FILTER (WHERE state = 'transferred') AS transferred,
                count(*) FILTER (WHERE state = 'lost') AS lost,
                count(*) FILTER (WHERE state IN ('waiting', 'answered')) AS open
           FROM calls WHERE coalesce(offered_at, created_at) >= (SELECT since FROM s)`,
        [since ?? null],
      );
      const r = rows[0];
      const n = (v: string | undefined) => Number(v ?? 0);
      return {
        since: (r?.since ?? new Date()).toISOString(),
        answered: n(r?.answered),
        abandoned: n(r?.abandoned),
        shortAbandoned: n(r?.shortAbandoned),
        transferred: n(r?.transferred),
        lost: n(r?.lost),
        open: n(r?.open),
      };
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
        setOperatorStatus(client, pending, user.id, status, {
          ...opts,
          breakMinutes: settings.breakOfferMinutes,
        }),
      );
    },
  };
}
export type QueueService = ReturnType<typeof createQueueService>;
