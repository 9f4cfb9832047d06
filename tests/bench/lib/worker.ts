import { type ChildProcess, fork } from 'node:child_process';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type pg from 'pg';
import {
  type BenchRedis,
  log,
  root,
  type ServerSecrets,
  serviceEnv,
  serviceExecArgv,
  track,
} from './services';
import { sleep } from './util';

export interface RunningWorker {
  child: ChildProcess;
  output: string[];
  stop(): Promise<void>;
}

/**
 * The real worker as production runs it: its own process (`apps/worker/src/main.ts`), NODE_ENV=production,
 * LOG_LEVEL=warn, the server's secrets, the run's database and Redis (same REDIS_PREFIX as the server).
 * `BENCH_WORKER_NODE_ARGS` adds Node options, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" (the profile is
 * written when the worker exits after SIGTERM). Ready once its heartbeat row (worker id `<host>:<pid>`) is in
 * `worker_heartbeats`: the worker writes it after it has made its BullMQ workers, which take jobs from then on.
 */
export async function startWorkerProcess(
  databaseUrl: string,
  redis: BenchRedis,
  publicUrl: string,
  secrets: ServerSecrets,
  pool: pg.Pool,
  extra: Record<string, string> = {},
): Promise<RunningWorker> {
  const child = track(
    fork(resolve(root, 'apps/worker/src/main.ts'), [], {
      cwd: root,
      execArgv: serviceExecArgv(process.env.BENCH_WORKER_NODE_ARGS),
      env: { ...serviceEnv(databaseUrl, redis, secrets), PUBLIC_URL: publicUrl, ...extra },
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
  const workerId = `${hostname()}:${child.pid}`;
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`the worker exited (${child.exitCode}) while starting`);
    const { rows } = await pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM worker_heartbeats WHERE worker_id = $1',
      [workerId],
    );
    if ((rows[0]?.n ?? 0) > 0) return { child, output, stop };
    await sleep(100);
  }
  await stop();
  throw new Error(`the worker (${workerId}) wrote no heartbeat within 60 s`);
}
