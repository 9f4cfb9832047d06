import type { OperatorStatus } from '@korgon/domain';
import type { PendingChanges, Queryable } from './types';

export const WRAP_UP_TASK = 'operator_wrap_up_end';
export const OFFLINE_TASK = 'operator_offline_check';

/**
 * Sets an operator's state; records the change only when something changed. Entering wrap-up schedules its
 * end (a delayed job, replaced by any later wrap-up of the same operator).
 */
export async function setOperatorStatus(
  q: Queryable,
  pending: PendingChanges,
  userId: string,
  status: OperatorStatus,
  opts: {
    callId?: string | null;
    wrapUpSeconds?: number;
    onlyIf?: OperatorStatus[];
    onlyIfCall?: string;
  } = {},
): Promise<boolean> {
  const callId = status === 'on_call' || status === 'wrap_up' ? (opts.callId ?? null) : null;
  const { rows } = await q.query<{ since: Date }>(
    `INSERT INTO operator_states (user_id, status, since, call_id) VALUES ($1, $2, date_trunc('milliseconds', clock_timestamp()), $3)
     ON CONFLICT (user_id) DO UPDATE SET status = EXCLUDED.status, since = EXCLUDED.since, call_id = EXCLUDED.call_id
       WHERE (operator_states.status, operator_states.call_id) IS DISTINCT FROM (EXCLUDED.status, EXCLUDED.call_id)
         AND ($4::operator_status[] IS NULL OR operator_states.status = ANY($4::operator_status[]))
         AND ($5::uuid IS NULL OR operator_states.call_id = $5::uuid)
     RETURNING since`,
    [userId, status, callId, opts.onlyIf ?? null, opts.onlyIfCall ?? null],
  );
  const since = rows[0]?.since;
  if (!since) return false;
  pending.operators.add(userId);
  if (status === 'wrap_up') {
    await q.query(
      `SELECT graphile_worker.add_job($1, json_build_object('userId', $2::text, 'since', $3::text),
                                      run_at := $4::timestamptz, job_key := 'wrapup:' || $2, max_attempts := 5)`,
      [
        WRAP_UP_TASK,
        userId,
        since.toISOString(),
        new Date(since.getTime() + (opts.wrapUpSeconds ?? 120) * 1000),
      ],
    );
  }
  return true;
}

/** Ends a wrap-up that is still the same one (the job's payload names when it began). */
export async function endWrapUp(
  q: Queryable,
  pending: PendingChanges,
  userId: string,
  since: string,
): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE operator_states SET status = 'available', since = date_trunc('milliseconds', clock_timestamp()), call_id = NULL
      WHERE user_id = $1 AND status = 'wrap_up' AND since = $2::timestamptz`,
    [userId, since],
  );
  if (rowCount) pending.operators.add(userId);
  return Boolean(rowCount);
}
