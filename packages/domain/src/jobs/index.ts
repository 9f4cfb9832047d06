import { z } from 'zod';
import { type Clock, systemClock, wallTimeOf } from '../clock';

/**
 * The background jobs, declared once: which queue each runs on, what its payload is, and how its id is made.
 * Producers (server, worker) and processors (worker) are typed from this table. A payload carries ids and
 * times only, never personal data: Redis may be read by anyone who can reach it, and may be lost at any
 * time; PostgreSQL holds the work itself (see docs/decisions/0002-jobs-and-fan-out.md).
 */
/** `exports`: statistics exports, apart so that a long one never holds up the maintenance schedules. */
export const QUEUE_NAMES = ['referrals', 'timers', 'maintenance', 'exports'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export const EmptyPayload = z.object({}).strict();

export const JOBS = {
  /** Deliver a referral through its partner's channel (retried with exponential backoff). */
  'referral.deliver': { queue: 'referrals', payload: z.object({ referralId: z.uuid() }).strict() },
  /** An urgent referral not acknowledged by its deadline (a delayed job, removed on acknowledgement). */
  'referral.escalate': { queue: 'timers', payload: z.object({ referralId: z.uuid() }).strict() },
  /** The end of an operator's after-call work (delayed); `since` names the wrap-up it ends. */
  'operator.wrap-up-end': {
    queue: 'timers',
    payload: z.object({ userId: z.uuid(), since: z.iso.datetime({ offset: true }) }).strict(),
  },
  /** A follow-up reaches its time (its due time inside the caller's safe window): raised and pushed (delayed). */
  'follow-up.raise': { queue: 'timers', payload: z.object({ followUpId: z.uuid() }).strict() },
  /**
   * A call with no event for longer than its limit (a delayed job at `calls.lost_at`): closed as lost. `at`
   * names the deadline it checks; a later event moves the deadline and makes another job.
   */
  'call.lost': {
    queue: 'timers',
    payload: z.object({ callId: z.uuid(), at: z.iso.datetime({ offset: true }) }).strict(),
  },
  /** Daily: delete long-ended sessions and old sign-in throttles (a job scheduler). */
  'sessions.prune': { queue: 'maintenance', payload: EmptyPayload },
  /** Every few seconds: re-add the job of every piece of due work PostgreSQL holds and Redis lost. */
  'jobs.reconcile': { queue: 'maintenance', payload: EmptyPayload },
  /**
   * Every ALERT_SWEEP_SECONDS (a job scheduler): raise the supervisor's alerts whose cause became true with
   * time alone (a call waiting too long), and resolve those whose cause ended (docs/board.md "Alerts").
   */
  'alerts.sweep': { queue: 'maintenance', payload: EmptyPayload },
  /** Write a statistics export's file (docs/statistics.md "Exports"); the row in `exports` holds its filters. */
  'export.run': { queue: 'exports', payload: z.object({ exportId: z.uuid() }).strict() },
  /** Daily (a job scheduler): remove export files older than EXPORTS_KEEP_DAYS; their rows stay, expired. */
  'exports.expire': { queue: 'maintenance', payload: EmptyPayload },
  /** On the 1st of each month, 02:00 Asia/Bishkek (a job scheduler): the Ministry's report of the month before. */
  'report.monthly': { queue: 'maintenance', payload: EmptyPayload },
  /**
   * Hourly (a job scheduler), and after each monthly report is written: a signed checkpoint of the audit chain's
   * head, appended to AUDIT_ANCHOR_DIR outside the database (docs/deploy.md "Audit anchors").
   */
  'audit.anchor': { queue: 'maintenance', payload: EmptyPayload },
  /**
   * Daily (a job scheduler, no payload) and on an admin's "Run now" (the id of its `maintenance_runs` row): shred
   * the free text past its retention period (docs/security.md "Retention").
   */
  'retention.run': {
    queue: 'maintenance',
    payload: z.object({ runId: z.number().int().positive().optional() }).strict(),
  },
  /**
   * Re-seal under the current notes key every text sealed under an older one (docs/security.md "Key rotation"):
   * at the worker's start when it finds such text, daily (a job scheduler, no payload), and on an admin's
   * "Re-encrypt now" (the id of its `maintenance_runs` row).
   */
  'keys.reencrypt': {
    queue: 'maintenance',
    payload: z.object({ runId: z.number().int().positive().optional() }).strict(),
  },
} as const satisfies Record<string, { queue: QueueName; payload: z.ZodType }>;

export type JobName = keyof typeof JOBS;
export type JobData<N extends JobName> = z.infer<(typeof JOBS)[N]['payload']>;
export const JOB_NAMES = Object.keys(JOBS) as JobName[];

/** What a producer asks for; the jobs package turns it into a BullMQ add. */
export interface JobRequest<N extends JobName = JobName> {
  name: N;
  data: JobData<N>;
  /** Deterministic, so adding the same work twice is a no-op while the first is still held. */
  jobId: string;
  /** When it is due (a delayed job); absent: now. */
  runAt?: Date;
  /** Lower runs first (BullMQ priorities); urgent referrals go before standard ones. */
  priority?: number;
  /** For jobs retried with exponential backoff. */
  attempts?: number;
}

/**
 * Adds jobs after the commit of the records they work on. It never throws: when Redis is away the work is
 * still in PostgreSQL, and the reconciler adds its job once Redis answers again.
 */
export type Enqueue = (requests: readonly JobRequest[]) => Promise<void>;

/** Job ids. BullMQ refuses ':' in custom ids, so the parts are joined with '-'. */
export const jobIds = {
  deliver: (referralId: string) => `deliver-${referralId}`,
  escalate: (referralId: string) => `escalate-${referralId}`,
  wrapUpEnd: (userId: string, since: Date) => `wrapup-${userId}-${since.getTime()}`,
  callLost: (callId: string, at: Date) => `lost-${callId}-${at.getTime()}`,
  followUpRaise: (followUpId: string) => `followup-${followUpId}`,
  exportRun: (exportId: string) => `export-${exportId}`,
  retentionRun: (runId: number) => `retention-${runId}`,
  reencrypt: (runId: number | 'start') => `reencrypt-${runId}`,
} as const;

export const deliveryJob = (
  referralId: string,
  urgency: string,
  attempts: number,
): JobRequest<'referral.deliver'> => ({
  name: 'referral.deliver',
  data: { referralId },
  jobId: jobIds.deliver(referralId),
  priority: urgency === 'urgent' ? 1 : 10,
  attempts,
});

export const escalationJob = (referralId: string, at: Date): JobRequest<'referral.escalate'> => ({
  name: 'referral.escalate',
  data: { referralId },
  jobId: jobIds.escalate(referralId),
  runAt: at,
});

export const wrapUpEndJob = (
  userId: string,
  since: Date,
  until: Date,
): JobRequest<'operator.wrap-up-end'> => ({
  name: 'operator.wrap-up-end',
  data: { userId, since: since.toISOString() },
  jobId: jobIds.wrapUpEnd(userId, since),
  runAt: until,
  attempts: 5,
});

/**
 * Raises a follow-up at `raiseAt`, a time of the given clock (the system clock in production; a test's moved
 * clock in tests): the job's delay is aimed at the matching wall-clock instant.
 */
export const followUpRaiseJob = (
  followUpId: string,
  raiseAt: Date,
  clock: Clock = systemClock,
): JobRequest<'follow-up.raise'> => ({
  name: 'follow-up.raise',
  data: { followUpId },
  jobId: jobIds.followUpRaise(followUpId),
  runAt: wallTimeOf(clock, raiseAt),
  attempts: 5,
});

export const callLostJob = (callId: string, at: Date): JobRequest<'call.lost'> => ({
  name: 'call.lost',
  data: { callId, at: at.toISOString() },
  jobId: jobIds.callLost(callId, at),
  runAt: at,
  attempts: 5,
});

export const exportRunJob = (exportId: string): JobRequest<'export.run'> => ({
  name: 'export.run',
  data: { exportId },
  jobId: jobIds.exportRun(exportId),
  attempts: 3,
});

/** An admin's "Run now" of retention: the run's row is made first, the job names it. */
export const retentionRunJob = (runId: number): JobRequest<'retention.run'> => ({
  name: 'retention.run',
  data: { runId },
  jobId: jobIds.retentionRun(runId),
  attempts: 3,
});

/** A re-encryption run: an admin's (its row made first, the job names it), or the worker's own at its start. */
export const reencryptJob = (runId?: number): JobRequest<'keys.reencrypt'> => ({
  name: 'keys.reencrypt',
  data: runId === undefined ? {} : { runId },
  jobId: jobIds.reencrypt(runId ?? 'start'),
  attempts: 3,
});

/** How often the worker records that it is alive; /readyz wants to have seen it within a minute. */
export const WORKER_HEARTBEAT_MS = 15_000;
export const WORKER_STALE_MS = 60_000;
/** How often the reconciler compares PostgreSQL's due work with the queues. */
export const RECONCILE_EVERY_MS = 5_000;
