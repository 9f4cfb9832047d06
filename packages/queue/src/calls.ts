import { dbOn, schema } from '@korgon/db';
import { callLostJob } from '@korgon/domain';
import { and, asc, eq, inArray, lte, sql } from 'drizzle-orm';
import { setOperatorStatus } from './operators';
import type { PendingChanges, Queryable } from './types';

const { calls, consultations } = schema;

/** Still on the line. */
const OPEN = inArray(calls.state, ['waiting', 'answered']);

/** How long a call may go without an event before it counts as lost (CALL_LOST_*_MINUTES). */
export interface CallLimits {
  /** Waiting and taken by nobody. */
  waitingMinutes: number;
  /** Answered, or taken in a console. */
  answeredMinutes: number;
}

/**
 * Something was heard of these calls (an event, a claim, an assignment): each one still on the line gets a new
 * deadline, and a delayed `call.lost` job at it, added after the commit. Times are cut to milliseconds so the
 * job's id and payload name the stored value exactly.
 */
export async function renewLostDeadlines(
  q: Queryable,
  pending: PendingChanges,
  callIds: readonly string[],
  limits: CallLimits,
): Promise<void> {
  if (callIds.length === 0) return;
  // Raw SQL: each row's own CASE inside make_interval, from clock_timestamp() cut to milliseconds.
  const { rows } = await q.query<{ id: string; lost_at: Date }>(
    `UPDATE calls SET lost_at = date_trunc('milliseconds', clock_timestamp()) + make_interval(secs =>
              CASE WHEN state = 'waiting' AND operator_id IS NULL THEN $2::double precision
                   ELSE $3::double precision END)
      WHERE id = ANY($1::uuid[]) AND state IN ('waiting', 'answered')
      RETURNING id, lost_at`,
    [callIds, limits.waitingMinutes * 60, limits.answeredMinutes * 60],
  );
  for (const r of rows) pending.jobs.push(callLostJob(r.id, r.lost_at));
}

/**
 * Closes calls as lost (no end event seen): those of `callIds` still waiting or answered, and, when `dueOnly`,
 * only once their deadline has passed. Their operators follow as after an end: on call with that call → wrap-up.
 * Rows are locked in id order, operators changed in id order, so concurrent closers never deadlock.
 */
export async function closeLostCalls(
  q: Queryable,
  pending: PendingChanges,
  callIds: readonly string[],
  opts: { wrapUpSeconds: number; dueOnly?: boolean },
): Promise<string[]> {
  if (callIds.length === 0) return [];
  const db = dbOn(q);
  const locked = await db
    .select({ id: calls.id })
    .from(calls)
    .where(
      and(
        inArray(calls.id, [...callIds]),
        OPEN,
        opts.dueOnly ? lte(calls.lostAt, sql`clock_timestamp()`) : undefined,
      ),
    )
    .orderBy(asc(calls.id))
    .for('update');
  if (locked.length === 0) return [];
  const rows = await db
    .update(calls)
    .set({
      state: 'lost',
      lostAt: sql`date_trunc('milliseconds', clock_timestamp())`,
      updatedAt: sql`now()`,
    })
    .where(
      and(
        inArray(
          calls.id,
          locked.map((r) => r.id),
        ),
        OPEN,
      ),
    )
    .returning({ id: calls.id, operatorId: calls.operatorId });
  for (const r of rows) pending.calls.add(r.id);
  const byOperator = rows
    .filter((r): r is { id: string; operatorId: string } => r.operatorId !== null)
    .sort((a, b) => (a.operatorId < b.operatorId ? -1 : a.operatorId > b.operatorId ? 1 : 0));
  for (const r of byOperator) {
    await setOperatorStatus(q, pending, r.operatorId, 'wrap_up', {
      callId: r.id,
      wrapUpSeconds: opts.wrapUpSeconds,
      onlyIf: ['on_call'],
      onlyIfCall: r.id,
    });
  }
  return rows.map((r) => r.id);
}

/**
 * The consultation draft of a call, opened for `operatorId` unless the call has one already (one per call: a
 * unique index on consultations.call_id, so whichever console, tab or PBX answer comes first makes it).
 */
export async function openCallConsultation(
  q: Queryable,
  callId: string,
  operatorId: string,
  id: string = crypto.randomUUID(),
): Promise<{ id: string; operatorId: string; created: boolean }> {
  // Raw SQL: INSERT … SELECT from the call, with a scalar subquery for the active taxonomy, ON CONFLICT DO NOTHING.
  const inserted = await q.query<{ id: string }>(
    `INSERT INTO consultations (id, call_id, channel, operator_id, caller_hash, caller_hash_key_version, taxonomy_version)
     SELECT $1, c.id, 'call', $2, c.caller_hash, c.caller_hash_key_version,
            (SELECT version FROM taxonomy_versions WHERE active ORDER BY created_at DESC LIMIT 1)
       FROM calls c WHERE c.id = $3
     ON CONFLICT DO NOTHING RETURNING id`,
    [id, operatorId, callId],
  );
  if (inserted.rows[0]) return { id: inserted.rows[0].id, operatorId, created: true };
  const [row] = await dbOn(q)
    .select({ id: consultations.id, operatorId: consultations.operatorId })
    .from(consultations)
    .where(eq(consultations.callId, callId));
  if (!row) throw new Error(`the consultation of call ${callId} could not be opened (id ${id} in use?)`);
  return { ...row, created: false };
}
