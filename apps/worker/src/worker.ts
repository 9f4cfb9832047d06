import { hostname } from 'node:os';
import {
  type AlertSettings,
  BOARD_FIGURES_ROOMS,
  type BoardSettings,
  computeFigures,
  createAlertSyncer,
  createFiguresPush,
  DEFAULT_BOARD_SETTINGS,
  syncAlerts,
} from '@korgon/board';
import { sealedCountsByVersion } from '@korgon/db';
import {
  type BoardAlert,
  type Clock,
  exportRunJob,
  JOBS,
  type JobData,
  type JobName,
  QUEUE_NAMES,
  type QueueName,
  RECONCILE_EVERY_MS,
  reencryptJob,
  rooms,
  type ServerToClientEvents,
  systemClock,
  WORKER_HEARTBEAT_MS,
} from '@korgon/domain';
import { bullPrefix, JobQueues, type RedisSettings, redisConnection, socketKey } from '@korgon/jobs';
import type { LiveSink } from '@korgon/queue';
import {
  guardedLookup,
  STRICT_WEBHOOKS,
  sealLegacyExceptionReasons,
  sealLegacyRejectionReasons,
  type WebhookPolicy,
} from '@korgon/referrals';
import { notesKeyringOf, type OlderSealKey, readableVersions } from '@korgon/signing';
import { Emitter } from '@socket.io/redis-emitter';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import nodemailer from 'nodemailer';
import pg from 'pg';
import type { Logger as PinoLogger } from 'pino';
import { Agent } from 'undici';
import type { WorkerMetrics } from './metrics';
import { createWorkerPublish, createWorkerReferralPush } from './push';
import { reconcile } from './reconcile';
import { type AuditAnchorSettings, auditAnchor } from './tasks/audit-anchor';
import { callLost } from './tasks/call-lost';
import { type ExportSettings, exportPush, exportRun, exportsExpire, reportMonthly } from './tasks/exports';
import { followUpRaise } from './tasks/follow-up-raise';
import { operatorWrapUpEnd } from './tasks/operator-wrap-up-end';
import { keysReencrypt } from './tasks/reencrypt';
import { type Attempt, referralDeliver } from './tasks/referral-deliver';
import { referralEscalate } from './tasks/referral-escalate';
import { retentionRun } from './tasks/retention';
import { sessionsPrune } from './tasks/sessions-prune';

/** A processor for each job of the domain's table, typed by its payload. */
export type Processors = { [N in JobName]: (data: JobData<N>, attempt: Attempt) => Promise<unknown> };

/** The schedules the worker keeps in Redis (job schedulers), restored whenever Redis lost them. */
export const SCHEDULES = [
  { id: 'sessions-prune', name: 'sessions.prune', repeat: { pattern: '0 3 * * *', tz: 'Asia/Bishkek' } },
  { id: 'jobs-reconcile', name: 'jobs.reconcile', repeat: { every: RECONCILE_EVERY_MS } },
  // Every ALERT_SWEEP_SECONDS (WorkerOptions.alerts; 5 s by default).
  { id: 'alerts-sweep', name: 'alerts.sweep', repeat: { every: 5_000 } },
  { id: 'exports-expire', name: 'exports.expire', repeat: { pattern: '30 3 * * *', tz: 'Asia/Bishkek' } },
  // The Ministry's monthly report: the 1st of each month at 02:00 Asia/Bishkek (docs/statistics.md "Exports").
  { id: 'report-monthly', name: 'report.monthly', repeat: { pattern: '0 2 1 * *', tz: 'Asia/Bishkek' } },
  // A signed checkpoint of the audit chain's head every hour, outside the database (docs/deploy.md "Audit
  // anchors"): at most an hour of entries can be cut or rewritten unseen. Also after each monthly report.
  { id: 'audit-anchor', name: 'audit.anchor', repeat: { pattern: '0 * * * *', tz: 'Asia/Bishkek' } },
  // Free text past its retention period shredded, daily at 03:45 Asia/Bishkek (docs/security.md "Retention").
  { id: 'retention', name: 'retention.run', repeat: { pattern: '45 3 * * *', tz: 'Asia/Bishkek' } },
  // Text still sealed under an older notes key moved to the current one, daily at 04:15 Asia/Bishkek (a run is
  // recorded only when there is something to move; docs/security.md "Key rotation"). Also at every start.
  { id: 'keys-reencrypt', name: 'keys.reencrypt', repeat: { pattern: '15 4 * * *', tz: 'Asia/Bishkek' } },
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
  /** The older notes keys still read, until re-encryption moved their text (NOTES_ENCRYPTION_KEYS_OLD). */
  notesKeysOld?: readonly OlderSealKey[];
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
  /** The board's service level threshold and shifts (BOARD_SERVICE_LEVEL_SECONDS, BOARD_SHIFTS). */
  board?: BoardSettings;
  /** The supervisor's alerts: ALERT_WAIT_SECONDS, ALERT_WRAP_UP_SECONDS, and ALERT_SWEEP_SECONDS. */
  alerts?: AlertSettings & { sweepSeconds: number };
  /** Statistics exports: EXPORTS_DIR, EXPORTS_KEEP_DAYS, STATISTICS_MIN_CELL, BOARD_SERVICE_LEVEL_SECONDS. */
  exports: ExportSettings;
  /** The audit chain's checkpoints: AUDIT_ANCHOR_DIR (resolved) and AUDIT_ANCHOR_KEY. */
  auditAnchor: AuditAnchorSettings;
  /** Where job durations and push lags are recorded (served on WORKER_METRICS_PORT); none: not recorded. */
  metrics?: WorkerMetrics;
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
  const clock = opts.clock ?? systemClock;
  // The board's figures follow the worker's own changes too (a wrap-up ended, a call lost, a referral
  // escalated, a follow-up raised); the servers push them every 30 s besides.
  const figures = createFiguresPush({
    compute: () => computeFigures(pool, clock, opts.board ?? DEFAULT_BOARD_SETTINGS),
    emit: (f) => emitter.to(BOARD_FIGURES_ROOMS).emit('board:figures', f),
    onError: (err) => opts.log.warn({ err: { message: err.message } }, 'board figures not pushed'),
  });
  // The supervisor's alerts (docs/board.md "Alerts"): synced by the sweep, and soon after the worker's own
  // changes; every change pushed to the supervisors, and the figures (which count open alerts) follow.
  const alertSettings = opts.alerts ?? { waitSeconds: 60, wrapUpSeconds: 300, sweepSeconds: 5 };
  const pushAlerts = (changed: readonly BoardAlert[]) => {
    for (const a of changed) emitter.to(rooms.role('supervisor')).emit('alert:changed', a);
    if (changed.length > 0) figures.kick();
  };
  const alerts = createAlertSyncer({
    pool,
    clock,
    settings: alertSettings,
    changed: pushAlerts,
    onError: (err) => opts.log.warn({ err: { message: err.message } }, 'alerts could not be synced'),
  });
  /** After the worker's own commits: the figures and the alerts follow. */
  const changed = () => {
    figures.kick();
    alerts.kick();
  };

  const key = notesKeyringOf(opts);
  const push = createWorkerReferralPush(emitter, changed);
  const mailer = opts.smtpUrl ? nodemailer.createTransport(opts.smtpUrl) : null;
  const webhookPolicy = opts.webhookPolicy ?? STRICT_WEBHOOKS;
  // The connection's own address is checked too (a name could resolve elsewhere after the URL was checked).
  const dispatcher = new Agent({
    keepAliveTimeout: 10_000,
    connect: { timeout: opts.webhookTimeoutMs ?? 10_000, lookup: guardedLookup(webhookPolicy) },
  });
  const maxAttempts = opts.maxAttempts ?? 6;
  const sink: LiveSink = {
    publish: createWorkerPublish(emitter, changed, (seconds) => opts.metrics?.pushLag.observe(seconds)),
    enqueue: (reqs) =>
      jobs.add(reqs).catch((err: Error) => opts.log.warn({ err: { message: err.message } }, 'job not added')),
  };
  const anchor = auditAnchor(pool, opts.auditAnchor, (msg) => opts.log.info(msg));
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
    'follow-up.raise': followUpRaise(pool, emitter, clock, changed),
    'call.lost': callLost(pool, sink, opts.wrapUpSeconds ?? 120),
    'sessions.prune': sessionsPrune(pool, (msg) => opts.log.info(msg)),
    'jobs.reconcile': reconcileNow,
    'alerts.sweep': async () => pushAlerts(await syncAlerts(pool, clock, alertSettings)),
    // The monthly report is a fact the Ministry holds: the chain is anchored right after it is written too.
    // A failed checkpoint must not fail the written report; the hourly one follows.
    'export.run': exportRun(pool, opts.exports, emitter, async (e) => {
      if (e.report !== 'monthly' || e.state !== 'done') return;
      await anchor().catch((err: Error) =>
        opts.log.warn({ err: { message: err.message } }, 'audit chain not anchored after the monthly report'),
      );
    }),
    'exports.expire': exportsExpire(pool, opts.exports.dir, (msg) => opts.log.info(msg)),
    'report.monthly': reportMonthly(
      pool,
      () => clock.now(),
      (id) => jobs.add([exportRunJob(id)]),
      exportPush(emitter),
    ),
    'audit.anchor': anchor,
    'retention.run': retentionRun(pool, clock, (counts, msg) => opts.log.info({ counts }, msg)),
    'keys.reencrypt': keysReencrypt(pool, key, (counts, msg) => opts.log.info({ counts }, msg)),
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
    // One export at a time per worker: each streams a file, and the database does the heavy part.
    exports: 1,
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
    // The attempt's run, from BullMQ's own times; its type and queue only, never its id (a referral's id).
    const timed = (job: Job | undefined, outcome: 'completed' | 'failed') => {
      if (job?.processedOn && job.finishedOn)
        opts.metrics?.jobDuration.observe(
          { queue, job: job.name, outcome },
          Math.max(0, job.finishedOn - job.processedOn) / 1000,
        );
    };
    w.on('completed', (job) => timed(job, 'completed'));
    w.on('failed', (job, err) => {
      timed(job, 'failed');
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
  let sweepScheduled = false;
  const ensureSchedules = async () => {
    const maintenance = jobs.queues.maintenance;
    let restored = false;
    for (const s of SCHEDULES) {
      const sweep = s.name === 'alerts.sweep';
      const exists = await maintenance.getJobScheduler(s.id);
      // The sweep's interval is configuration: it is set again at every start, so a changed one applies.
      if (exists && !(sweep && !sweepScheduled)) continue;
      // Each run leaves little behind: the last few runs stay visible in the dashboard.
      await maintenance.upsertJobScheduler(
        s.id,
        sweep ? { every: alertSettings.sweepSeconds * 1000 } : s.repeat,
        {
          name: s.name,
          data: {},
          opts: { removeOnComplete: { count: 20 }, removeOnFail: { count: 100 } },
        },
      );
      if (sweep) sweepScheduled = true;
      if (!exists) restored = true;
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
  // Consent-exception reasons likewise (issue 13's canary found them stored in clear).
  await sealLegacyExceptionReasons(pool, key)
    .then((n) =>
      n > 0 ? opts.log.info({ sealed: n }, 'sealed consent-exception reasons stored in clear') : undefined,
    )
    .catch((err: Error) => opts.log.warn({ err: { message: err.message } }, 'exception reasons not sealed'));
  // After a rotation of the notes key: text under an older version starts a re-encryption run now (docs/security.md
  // "Key rotation"); old versions no text uses any more are named, to be removed from the configuration.
  await sealedCountsByVersion(pool)
    .then(async (counts) => {
      const readable = readableVersions(key);
      const pending = counts.filter((c) => c.version !== key.version && readable.includes(c.version ?? -1));
      const unreadable = counts.filter((c) => !readable.includes(c.version ?? -1));
      if (unreadable.length > 0)
        opts.log.warn(
          { versions: [...new Set(unreadable.map((c) => c.version))] },
          'text is sealed under notes key versions no configured key reads: add them to NOTES_ENCRYPTION_KEYS_OLD',
        );
      for (const v of readable.slice(1))
        if (!counts.some((c) => c.version === v))
          opts.log.warn(
            { version: v },
            'no text is sealed under this old notes key version any more: it can be removed from NOTES_ENCRYPTION_KEYS_OLD',
          );
      if (pending.length > 0) {
        opts.log.info(
          { rows: pending.reduce((n, c) => n + c.rows, 0), toVersion: key.version },
          'text sealed under an older notes key: re-encryption started',
        );
        await jobs.replace(reencryptJob());
      }
    })
    .catch((err: Error) =>
      opts.log.warn({ err: { message: err.message } }, 'key versions could not be checked'),
    );
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
        await figures.stop();
        await alerts.stop();
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
export { createWorkerMetrics, serveWorkerMetrics, type WorkerMetrics } from './metrics';
export { type ReconcileResult, reconcile } from './reconcile';
export { type ReencryptResult, runReencrypt } from './tasks/reencrypt';
export { type RetentionResult, runRetention } from './tasks/retention';
