import {
  type Clock,
  callLostJob,
  deliveryJob,
  escalationJob,
  exportRunJob,
  followUpRaiseJob,
  type JobRequest,
  jobIds,
  reencryptJob,
  retentionRunJob,
  statusesFrom,
  systemClock,
  wrapUpEndJob,
} from '@korgon/domain';
import type { JobQueues } from '@korgon/jobs';
import type pg from 'pg';

/** Work newer than this is left to the fast path (the producer adds its job right after the commit). */
const GRACE_SECONDS = 2;
/** At most this many items of each kind a run; the next run, a few seconds later, takes the rest. */
const BATCH = 2000;

export interface ReconcileResult {
  /** Pending items PostgreSQL holds. */
  checked: number;
  /** Jobs added because BullMQ did not hold them (a crash between commit and add, a lost Redis). */
  added: number;
}

/**
 * PostgreSQL is the store of record; BullMQ only carries the work. This compares the two: every referral
 * waiting for delivery, every urgent referral waiting for its escalation deadline, every wrap-up waiting
 * for its end and every call on the line (its deadline to count as lost) must have its job. A job BullMQ does not hold is added again; a finished one kept for the
 * dashboard while its work is pending again (a retried referral) is replaced. Job ids are deterministic, so
 * this never makes a second job for the same work.
 */
export async function reconcile(
  pool: pg.Pool,
  jobs: JobQueues,
  maxAttempts: number,
  clock: Clock = systemClock,
): Promise<ReconcileResult> {
  const grace = `now() - make_interval(secs => ${GRACE_SECONDS})`;
  const [deliveries, escalations, wrapUps, openCalls, followUps, exports, retentionRuns] = await Promise.all([
    // Still to be delivered, and still able to escalate: the domain's lifecycle says from where.
    pool.query<{ id: string; urgency: string }>(
      `SELECT id, urgency FROM referrals WHERE status = ANY($1::referral_status[]) AND updated_at < ${grace}
        ORDER BY (urgency = 'urgent') DESC, created_at LIMIT ${BATCH}`,
      [statusesFrom('delivered')],
    ),
    pool.query<{ id: string; escalate_at: Date }>(
      `SELECT id, escalate_at FROM referrals
        WHERE urgency = 'urgent' AND status = ANY($1::referral_status[]) AND escalate_at IS NOT NULL
          AND created_at < ${grace}
        ORDER BY escalate_at LIMIT ${BATCH}`,
      [statusesFrom('escalated')],
    ),
    pool.query<{ user_id: string; since: Date; wrap_up_ends_at: Date }>(
      `SELECT user_id, since, wrap_up_ends_at FROM operator_states
        WHERE status = 'wrap_up' AND wrap_up_ends_at IS NOT NULL AND since < ${grace}
        ORDER BY wrap_up_ends_at LIMIT ${BATCH}`,
    ),
    // Calls on the line, each with the deadline after which it counts as lost (overdue ones run at once).
    pool.query<{ id: string; lost_at: Date }>(
      `SELECT id, lost_at FROM calls
        WHERE state IN ('waiting', 'answered') AND lost_at IS NOT NULL AND updated_at < ${grace}
        ORDER BY lost_at LIMIT ${BATCH}`,
    ),
    // Follow-ups not raised yet, soonest first: each must have its raise job (docs/domain.md §10).
    pool.query<{ id: string; raise_at: Date }>(
      `SELECT id, raise_at FROM follow_ups
        WHERE state = 'due' AND raised_at IS NULL AND created_at < ${grace}
        ORDER BY raise_at LIMIT ${BATCH}`,
    ),
    // Statistics exports not written yet (queued, or running when their worker or Redis was lost).
    pool.query<{ id: string }>(
      `SELECT id FROM exports WHERE state IN ('queued', 'running') AND created_at < ${grace}
        ORDER BY created_at LIMIT ${BATCH}`,
    ),
    // An admin's "Run now" of retention not run yet (docs/security.md "Retention").
    pool.query<{ id: string }>(
      `SELECT id FROM maintenance_runs WHERE kind = 'retention' AND status = 'queued' AND started_at < ${grace}
        ORDER BY started_at LIMIT ${BATCH}`,
    ),
  ]);
  // An admin's "Re-encrypt now" not run yet (docs/security.md "Key rotation").
  const reencryptRuns = await pool.query<{ id: string }>(
    `SELECT id FROM maintenance_runs WHERE kind = 'reencrypt' AND status = 'queued' AND started_at < ${grace}
      ORDER BY started_at LIMIT ${BATCH}`,
  );
  // Follow-ups whose time has come by the clock: a job Redis holds for later (a clock moved forward in a
  // test, a job added with a wrong delay) is run now.
  const now = clock.now();
  const overdue = new Set(
    followUps.rows.filter((r) => r.raise_at <= now).map((r) => jobIds.followUpRaise(r.id)),
  );
  const wanted: JobRequest[] = [
    ...deliveries.rows.map((r) => deliveryJob(r.id, r.urgency, maxAttempts)),
    ...escalations.rows.map((r) => escalationJob(r.id, r.escalate_at)),
    ...wrapUps.rows.map((r) => wrapUpEndJob(r.user_id, r.since, r.wrap_up_ends_at)),
    ...openCalls.rows.map((r) => callLostJob(r.id, r.lost_at)),
    ...followUps.rows.map((r) => followUpRaiseJob(r.id, r.raise_at, clock)),
    ...exports.rows.map((r) => exportRunJob(r.id)),
    ...retentionRuns.rows.map((r) => retentionRunJob(Number(r.id))),
    ...reencryptRuns.rows.map((r) => reencryptJob(Number(r.id))),
  ];
  // One pipelined round trip for all of them: a job is held while its hash exists, and has finished
  // (completed or failed, kept for the dashboard) once it has a finishedOn.
  const pipeline = jobs.connection.pipeline();
  for (const req of wanted)
    pipeline.hmget(jobs.queueOf(req.name).toKey(req.jobId), 'timestamp', 'finishedOn', 'delay');
  const answers = (await pipeline.exec()) ?? [];
  const missing: JobRequest[] = [];
  const finished: JobRequest[] = [];
  const late: JobRequest[] = [];
  for (const [i, req] of wanted.entries()) {
    const [err, fields] = answers[i] ?? [new Error('no answer'), null];
    if (err) throw err;
    const [timestamp, finishedOn, delay] = (fields ?? [null, null, null]) as (string | null)[];
    if (timestamp === null) missing.push(req);
    else if (finishedOn !== null) finished.push(req);
    else if (
      req.name === 'follow-up.raise' &&
      overdue.has(req.jobId) &&
      Number(timestamp) + Number(delay ?? 0) > Date.now() + 1000
    )
      late.push(req);
  }
  if (missing.length > 0) await jobs.add(missing);
  for (const req of finished) await jobs.replace(req);
  for (const req of late)
    await jobs
      .queueOf(req.name)
      .getJob(req.jobId)
      .then((job) => job?.promote())
      .catch(() => undefined);
  return { checked: wanted.length, added: missing.length + finished.length + late.length };
}
