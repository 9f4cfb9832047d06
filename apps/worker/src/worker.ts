import { hostname } from 'node:os';
import { TASKS, WORKER_HEARTBEAT_MS } from '@korgon/domain';
import { type Publish, WRAP_UP_TASK } from '@korgon/queue';
import { Logger, type Runner, run, type TaskList } from 'graphile-worker';
import pg from 'pg';
import type { Logger as PinoLogger } from 'pino';
import { createWorkerPublisher } from './push';
import { operatorWrapUpEnd } from './tasks/operator-wrap-up-end';
import { sessionsPrune } from './tasks/sessions-prune';

export function taskList(pool: pg.Pool, publish: Publish): TaskList {
  return {
    [TASKS.sessionsPrune]: sessionsPrune,
    [WRAP_UP_TASK]: operatorWrapUpEnd(pool, publish),
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
export async function startWorker(opts: {
  databaseUrl: string;
  concurrency: number;
  log: PinoLogger;
}): Promise<WorkerHandle> {
  const pool = new pg.Pool({
    connectionString: opts.databaseUrl,
    max: opts.concurrency + 2,
    application_name: 'korgon-worker',
  });
  const onError = (err: Error) =>
    opts.log.warn({ err: { message: err.message } }, 'database connection lost');
  pool.on('error', onError);
  pool.on('connect', (client) => client.on('error', onError));
  const workerId = `${hostname()}:${process.pid}`;
  const beat = async () => {
    await pool
      .query(
        `INSERT INTO worker_heartbeats (worker_id, started_at, seen_at) VALUES ($1, now(), now())
         ON CONFLICT (worker_id) DO UPDATE SET seen_at = now()`,
        [workerId],
      )
      .catch((err: Error) => opts.log.warn({ err: { message: err.message } }, 'heartbeat failed'));
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
  const publish = createWorkerPublisher(pool, (msg) => opts.log.warn(msg));
  const runner = await run({
    pgPool: pool,
    concurrency: opts.concurrency,
    taskList: taskList(pool, publish),
    crontab: CRONTAB,
    logger,
    noHandleSignals: true,
    pollInterval: 2000,
  });
  let stopping: Promise<void> | undefined;
  return {
    runner,
    workerId,
    stop() {
      stopping ??= (async () => {
        clearInterval(timer);
        await runner.stop();
        await pool
          .query('DELETE FROM worker_heartbeats WHERE worker_id = $1', [workerId])
          .catch(() => undefined);
        await pool.end();
      })();
      return stopping;
    },
  };
}
