import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { rooms, TASKS, WORKER_HEARTBEAT_MS } from '@korgon/domain';
import { createAdapterBroadcast, type Publish, WRAP_UP_TASK } from '@korgon/queue';
import { DELIVER_TASK, ESCALATE_TASK } from '@korgon/referrals';
import { sealKeyFrom } from '@korgon/signing';
import { Logger, type Runner, run, type TaskList, type WorkerEvents } from 'graphile-worker';
import nodemailer from 'nodemailer';
import pg from 'pg';
import type { Logger as PinoLogger } from 'pino';
import { operatorWrapUpEnd } from './tasks/operator-wrap-up-end';
import { type DeliveryDeps, referralDeliver } from './tasks/referral-deliver';
import { referralEscalate } from './tasks/referral-escalate';
import { createWorkerReferralPush } from './tasks/referral-push';
import { sessionsPrune } from './tasks/sessions-prune';

export function taskList(pool: pg.Pool, publish: Publish, delivery: DeliveryDeps): TaskList {
  return {
    [TASKS.sessionsPrune]: sessionsPrune,
    [WRAP_UP_TASK]: operatorWrapUpEnd(pool, publish),
    [DELIVER_TASK]: referralDeliver(delivery),
    [ESCALATE_TASK]: referralEscalate(pool, delivery.key, delivery.push),
  };
}

export const CRONTAB = `0 3 * * * ${TASKS.sessionsPrune}`;

export interface WorkerHandle {
  runner: Runner;
  workerId: string;
  /** Stops taking jobs, waits for the ones in flight, then closes its connections. */
  stop(): Promise<void>;
}

/** graphile-worker plus a heartbeat row that /readyz reads. */
export interface WorkerOptions {
  databaseUrl: string;
  concurrency: number;
  log: PinoLogger;
  notesKey: string;
  notesKeyVersion: number;
  publicUrl: string;
  smtpUrl?: string | undefined;
  mailFrom?: string;
  webhookTimeoutMs?: number;
}

export async function startWorker(opts: WorkerOptions): Promise<WorkerHandle> {
  const pool = new pg.Pool({
    connectionString: opts.databaseUrl,
    max: opts.concurrency + 2,
    application_name: 'korgon-worker',
  });
  const onError = (err: Error) =>
    opts.log.warn({ err: { message: err.message } }, 'database connection lost');
  pool.on('error', onError);
  pool.on('connect', (client) => client.on('error', onError));
  // host:pid, then /<graphile-worker pool id> once it runs: the sweep below matches job locks to it.
  let workerId = `${hostname()}:${process.pid}`;
  const beat = async () => {
    await pool
      .query(
        `INSERT INTO worker_heartbeats (worker_id, started_at, seen_at) VALUES ($1, now(), now())
         ON CONFLICT (worker_id) DO UPDATE SET seen_at = now()`,
        [workerId],
      )
      .catch((err: Error) => opts.log.warn({ err: { message: err.message } }, 'heartbeat failed'));
    // graphile-worker takes back the jobs of a worker that died (kill -9, crash) only after 4 hours: release
    // the locks of every worker pool whose process has stopped beating, so another worker delivers them now.
    await pool
      .query(
        `UPDATE graphile_worker._private_jobs SET locked_at = NULL, locked_by = NULL
          WHERE locked_by IS NOT NULL AND locked_at < now() - make_interval(secs => $1)
            AND NOT EXISTS (SELECT 1 FROM worker_heartbeats h
                             WHERE h.worker_id LIKE '%/' || locked_by AND h.seen_at > now() - make_interval(secs => $1))`,
        [(3 * WORKER_HEARTBEAT_MS) / 1000],
      )
      .catch((err: Error) => opts.log.warn({ err: { message: err.message } }, 'stale lock sweep failed'));
  };
  await beat();
  const timer = setInterval(() => void beat(), WORKER_HEARTBEAT_MS);
  const logger = new Logger((scope) => (level, message, meta) => {
    const l = level === 'warning' ? 'warn' : level;
    opts.log[l](
      { scope: { label: scope.label, taskIdentifier: scope.taskIdentifier, jobId: scope.jobId }, meta },
      message,
    );
  });
  const broadcast = createAdapterBroadcast(pool, (msg) => opts.log.warn(msg));
  const publish: Publish = (changes) => {
    for (const change of changes)
      broadcast([rooms.role('operator'), rooms.role('supervisor')], 'queue:change', change);
  };
  const mailer = opts.smtpUrl ? nodemailer.createTransport(opts.smtpUrl) : null;
  const delivery: DeliveryDeps = {
    pool,
    key: sealKeyFrom(opts.notesKey, opts.notesKeyVersion),
    push: createWorkerReferralPush(broadcast),
    publicUrl: opts.publicUrl,
    webhookTimeoutMs: opts.webhookTimeoutMs ?? 10_000,
    mailer,
    mailFrom: opts.mailFrom ?? 'Korgon 5200 <no-reply@korgon.local>',
  };
  const events: WorkerEvents = new EventEmitter();
  let poolId = '';
  events.on('pool:create', ({ workerPool }) => {
    poolId = workerPool.id;
  });
  const runner = await run({
    events,
    pgPool: pool,
    concurrency: opts.concurrency,
    taskList: taskList(pool, publish, delivery),
    crontab: CRONTAB,
    logger,
    noHandleSignals: true,
    pollInterval: 2000,
  });
  await pool.query('DELETE FROM worker_heartbeats WHERE worker_id = $1', [workerId]).catch(() => undefined);
  workerId = `${hostname()}:${process.pid}/${poolId}`;
  await beat();
  let stopping: Promise<void> | undefined;
  return {
    runner,
    workerId,
    stop() {
      stopping ??= (async () => {
        clearInterval(timer);
        await runner.stop();
        mailer?.close();
        await pool
          .query('DELETE FROM worker_heartbeats WHERE worker_id = $1', [workerId])
          .catch(() => undefined);
        await pool.end();
      })();
      return stopping;
    },
  };
}
