import { hostname } from 'node:os';
import {
  type Clock,
  JOBS,
  type JobData,
  type JobName,
  QUEUE_NAMES,
  type QueueName,
  RECONCILE_EVERY_MS,
  type ServerToClientEvents,
  systemClock,
  WORKER_HEARTBEAT_MS,
} from '@korgon/domain';
import { bullPrefix, JobQueues, type RedisSettings, redisConnection, socketKey } from '@korgon/jobs';
import type { LiveSink } from '@korgon/queue';
import {
  guardedLookup,
  STRICT_WEBHOOKS,
  sealLegacyRejectionReasons,
  type WebhookPolicy,
} from '@korgon/referrals';
import { sealKeyFrom } from '@korgon/signing';
import { Emitter } from '@socket.io/redis-emitter';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import nodemailer from 'nodemailer';
import pg from 'pg';
import type { Logger as PinoLogger } from 'pino';
import { Agent } from 'undici';
import { createWorkerPublish, createWorkerReferralPush } from './push';
import { reconcile } from './reconcile';
import { callLost } from './tasks/call-lost';
import { followUpRaise } from './tasks/follow-up-raise';
import { operatorWrapUpEnd } from './tasks/operator-wrap-up-end';
import { type Attempt, referralDeliver } from './tasks/referral-deliver';
import { referralEscalate } from './tasks/referral-escalate';
import { sessionsPrune } from './tasks/sessions-prune';

/** A processor for each job of the domain's table, typed by its payload. */
export type Processors = { [N in JobName]: (data: JobData<N>, attempt: Attempt) => Promise<unknown> };

/** The schedules the worker keeps in Redis (job schedulers), restored whenever Redis lost them. */
export const SCHEDULES = [
  { id: 'sessions-prune', name: 'sessions.prune', repeat: { pattern: '0 3 * * *', tz: 'Asia/Bishkek' } },
  { id: 'jobs-reconcile', name: 'jobs.reconcile', repeat: { every: RECONCILE_EVERY_MS } },
] as const satisfies readonly { id: string; name: JobName; repeat: object }[];

export interface WorkerHandle {
  workerId: string;
  /** Runs the reconciler now (tests; the schedule runs it every few seconds). */
  reconcileNow(): Promise<{ checked: number; added: number }>;
  /** Stops taking jobs, waits for the ones in flight, then closes its connections. */
  stop(): Promise<void>;
}

export interface WorkerOptions {
  databaseUrl: string;
  redis: RedisSettings;
  /** Deliveries run at once per worker process (they mostly wait on partners). */
  concurrency: number;
  log: PinoLogger;
  notesKey: string;
  notesKeyVersion: number;
  publicUrl: string;
  smtpUrl?: string | undefined;
  mailFrom?: string;
  webhookTimeoutMs?: number;
  /** Delivery attempts of a referral whose job the reconciler adds again. */
  maxAttempts?: number;
  backoffMs?: number;
  /** Where partner webhooks may go; strict (public https only) unless given. */
  webhookPolicy?: WebhookPolicy;
  /** How long a job stays locked without its worker renewing the lock; a killed worker's jobs run again after it. */
  lockDurationMs?: number;
  /** Where follow-up times come from (the system clock unless a test moves its own). */
  clock?: Clock;
  /** After-call work of an operator whose call was closed as lost (WRAP_UP_SECONDS). */
  wrapUpSeconds?: number;
}

/**
 * The worker process: a BullMQ Worker per queue, a Socket.IO Redis emitter for its pushes, the job
 * schedulers, the reconciler, and a heartbeat row in PostgreSQL that /readyz reads.
 */
export async function startWorker(opts: WorkerOptions): Promise<WorkerHandle> {
  const pool = new pg.Pool({
    connectionString: opts.databaseUrl,
    max: opts.concurrency + 4,
    application_name: 'korgon-worker',
  });
  const onError = (err: Error) =>
    opts.log.warn({ err: { message: err.message } }, 'database connection lost');
  pool.on('error', onError);
  pool.on('connect', (client) => client.on('error', onError));
  const workerId = `${hostname()}:${process.pid}`;

  let redisDown = false;
  const redisLost = (err: Error) => {
    if (!redisDown) opts.log.warn({ err: { message: err.message } }, 'Redis connection lost; retrying');
    redisDown = true;
  };
  const jobs = new JobQueues({ ...opts.redis, backoffMs: opts.backoffMs, name: 'korgon-worker-jobs' });
  jobs.connection.on('error', redisLost);
  const emitterClient = redisConnection(opts.redis.url, { name: 'korgon-worker-emitter' });
  emitterClient.on('error', redisLost);
  const emitter = new Emitter<ServerToClientEvents>(emitterClient, { key: socketKey(opts.redis.prefix) });

  const key = sealKeyFrom(opts.notesKey, opts.notesKeyVersion);
  const push = createWorkerReferralPush(emitter);
  const mailer = opts.smtpUrl ? nodemailer.createTransport(opts.smtpUrl) : null;
  const webhookPolicy = opts.webhookPolicy ?? STRICT_WEBHOOKS;
  // The connection's own address is checked too (a name could resolve elsewhere after the URL was checked).
  const dispatcher = new Agent({
    keepAliveTimeout: 10_000,
    connect: { timeout: opts.webhookTimeoutMs ?? 10_000, lookup: guardedLookup(webhookPolicy) },
  });
  const maxAttempts = opts.maxAttempts ?? 6;
  const clock = opts.clock ?? systemClock;
  const sink: LiveSink = {
    publish: createWorkerPublish(emitter),
    enqueue: (reqs) =>
      jobs.add(reqs).catch((err: Error) => opts.log.warn({ err: { message: err.message } }, 'job not added')),
  };
  const reconcileNow = async () => {
    const result = await reconcile(pool, jobs, maxAttempts, clock);
    if (result.added > 0) opts.log.info(result, 'reconciler: added jobs that Redis did not hold');
    return result;
  };
  const processors: Processors = {
    'referral.deliver': referralDeliver({
      pool,
      key,
      push,
      publicUrl: opts.publicUrl,
      webhookTimeoutMs: opts.webhookTimeoutMs ?? 10_000,
      dispatcher,
      webhookPolicy,
      mailer,
      mailFrom: opts.mailFrom ?? 'Korgon 5200 <no-reply@korgon.local>',
    }),
    'referral.escalate': referralEscalate(pool, key, push),
    'operator.wrap-up-end': operatorWrapUpEnd(pool, sink),
    'follow-up.raise': followUpRaise(pool, emitter, clock),
    'call.lost': callLost(pool, sink, opts.wrapUpSeconds ?? 120),
    'sessions.prune': sessionsPrune(pool, (msg) => opts.log.info(msg)),
    'jobs.reconcile': reconcileNow,
  };

  const processJob = async (job: Job) => {
    const name = job.name as JobName;
    const def = JOBS[name];
    if (!def) throw new UnrecoverableError(`no processor for job ${job.name}`);
    const parsed = def.payload.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`job ${job.id} has a bad payload`);
    const attempt: Attempt = {
      number: job.attemptsMade + 1,
      last: job.attemptsMade + 1 >= (job.opts.attempts ?? 1),
    };
    const run = processors[name] as (data: unknown, attempt: Attempt) => Promise<unknown>;
    await run(parsed.data, attempt);
  };
  const concurrency: Record<QueueName, number> = {
    referrals: opts.concurrency,
    timers: 5,
    maintenance: 1,
  };
  const lockDuration = opts.lockDurationMs ?? 15_000;
  const workers = QUEUE_NAMES.map((queue) => {
    const w = new Worker(queue, processJob, {
      connection: redisConnection(opts.redis.url, { name: `korgon-worker-${queue}` }),
      prefix: bullPrefix(opts.redis.prefix),
      concurrency: concurrency[queue],
      // A killed worker stops renewing its locks; its jobs are found stalled and run again by another.
      lockDuration,
      stalledInterval: Math.max(1000, Math.round(lockDuration / 2)),
      maxStalledCount: 5,
    });
    w.on('error', redisLost);
    w.on('failed', (job, err) => {
      opts.log.warn(
        {
          job: { id: job?.id, name: job?.name, attemptsMade: job?.attemptsMade },
          err: { message: err.message },
        },
        'job attempt failed',
      );
    });
    return w;
  });

  // The schedules live in Redis: put them back whenever they are missing (first start, a lost Redis), and
  // reconcile at once when they were, rather than waiting for the first scheduled run.
  const ensureSchedules = async () => {
    const maintenance = jobs.queues.maintenance;
    let restored = false;
    for (const s of SCHEDULES) {
      if (await maintenance.getJobScheduler(s.id)) continue;
      // Each run leaves little behind: the last few runs stay visible in the dashboard.
      await maintenance.upsertJobScheduler(s.id, s.repeat, {
        name: s.name,
        data: {},
        opts: { removeOnComplete: { count: 20 }, removeOnFail: { count: 100 } },
      });
      restored = true;
    }
    if (restored) await reconcileNow();
    if (redisDown) opts.log.info('Redis answers again');
    redisDown = false;
  };

  const beat = async () => {
    await pool
      .query(
        `INSERT INTO worker_heartbeats (worker_id, started_at, seen_at) VALUES ($1, now(), now())
         ON CONFLICT (worker_id) DO UPDATE SET seen_at = now()`,
        [workerId],
      )
      .catch((err: Error) => opts.log.warn({ err: { message: err.message } }, 'heartbeat failed'));
    await ensureSchedules().catch((err: Error) =>
      opts.log.warn({ err: { message: err.message } }, 'schedules could not be checked'),
    );
  };
  await beat();
  // Rejection reasons from before they were sealed are sealed now (idempotent; a failure is retried next start).
  await sealLegacyRejectionReasons(pool, key)
    .then((n) =>
      n > 0 ? opts.log.info({ sealed: n }, 'sealed rejection reasons stored in clear') : undefined,
    )
    .catch((err: Error) => opts.log.warn({ err: { message: err.message } }, 'rejection reasons not sealed'));
  const timer = setInterval(() => void beat(), Math.min(WORKER_HEARTBEAT_MS, RECONCILE_EVERY_MS * 2));
  // After Redis comes back (a restart, a flush) the schedules are checked at once.
  jobs.connection.on('ready', () => {
    if (redisDown) void beat();
  });
  await Promise.all(workers.map((w) => w.waitUntilReady()));

  let stopping: Promise<void> | undefined;
  return {
    workerId,
    reconcileNow,
    stop() {
      stopping ??= (async () => {
        clearInterval(timer);
        await Promise.all(workers.map((w) => w.close()));
        mailer?.close();
        await dispatcher.close().catch(() => undefined);
        await jobs.close();
        emitterClient.disconnect();
        await pool
          .query('DELETE FROM worker_heartbeats WHERE worker_id = $1', [workerId])
          .catch(() => undefined);
        await pool.end();
      })();
      return stopping;
    },
  };
}
export { type ReconcileResult, reconcile } from './reconcile';
