import { type ChildProcess, fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type pg from 'pg';
import { log, root, type ServerSecrets, track } from './services';
import { sleep } from './util';

/** The part of graphile-worker's API the baseline uses (its own types live with the worker app). */
export interface GraphileWorker {
  run(options: {
    pgPool: pg.Pool;
    concurrency: number;
    pollInterval: number;
    noHandleSignals: boolean;
    logger: unknown;
    taskList: Record<string, (payload: unknown) => Promise<void>>;
  }): Promise<{ stop(): Promise<void> }>;
  Logger: new (
    factory: (scope: unknown) => (level: string, message: string, meta?: unknown) => void,
  ) => unknown;
}

/**
 * graphile-worker is a dependency of the worker app (and @korgon/db), not of the repository root: loaded
 * from apps/worker, the very copy the worker process runs.
 */
export async function loadGraphileWorker(): Promise<GraphileWorker> {
  const fromWorker = createRequire(resolve(root, 'apps/worker/package.json'));
  const mod = (await import(
    pathToFileURL(fromWorker.resolve('graphile-worker')).href
  )) as Partial<GraphileWorker> & {
    default?: GraphileWorker;
  };
  return typeof mod.run === 'function' ? (mod as GraphileWorker) : (mod.default as GraphileWorker);
}

export interface RunningWorker {
  child: ChildProcess;
  output: string[];
  stop(): Promise<void>;
}

/**
 * The real worker as production runs it: its own process (`apps/worker/src/main.ts`), NODE_ENV=production,
 * LOG_LEVEL=warn, the server's secrets. Ready once graphile-worker LISTENs for new jobs on the database.
 */
export async function startWorkerProcess(
  databaseUrl: string,
  publicUrl: string,
  secrets: ServerSecrets,
  pool: pg.Pool,
  extra: Record<string, string> = {},
): Promise<RunningWorker> {
  const child = track(
    fork(resolve(root, 'apps/worker/src/main.ts'), [], {
      cwd: root,
      execArgv: [
        '--import',
        'tsx',
        '--import',
        pathToFileURL(resolve(root, 'tests/bench/lib/orphan-guard.ts')).href,
      ],
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        DATABASE_URL: databaseUrl,
        PUBLIC_URL: publicUrl,
        ...secrets,
        ...extra,
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    }),
  );
  const output: string[] = [];
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      if (!line.trim()) continue;
      if (output.length < 2000) output.push(line);
      if (output.length <= 10) log(`worker: ${line.slice(0, 400)}`);
    }
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(30_000)]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`the worker exited (${child.exitCode}) while starting`);
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'korgon-worker' AND query LIKE 'LISTEN%'`,
    );
    if ((rows[0]?.n ?? 0) > 0) return { child, output, stop };
    await sleep(100);
  }
  await stop();
  throw new Error('the worker did not LISTEN for jobs within 60 s');
}
