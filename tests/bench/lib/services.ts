import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { findRepoRoot } from '@korgon/config';
import { ensureDatabase, freePort, type PostgresServer, resolvePostgres } from '@korgon/dev/postgres';
import { deleteKeys, type RedisServer, resolveRedis } from '@korgon/dev/redis';
import { Redis } from 'ioredis';
import pg from 'pg';
import { request, sleep } from './util';

export const root = findRepoRoot();
/** Node options for every child: TypeScript through tsx, and the guard that ends it with the bench. */
const execArgv = [
  '--import',
  'tsx',
  '--import',
  pathToFileURL(resolve(root, 'tests/bench/lib/orphan-guard.ts')).href,
];
export const log = (line: string) => console.error(`[bench] ${line}`);

/** Every child this run started: killed on the way out, whatever the way out is. */
const children = new Set<ChildProcess>();
const cleanups: (() => Promise<void>)[] = [];
let cleaning: Promise<void> | null = null;

export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export function onCleanup(fn: () => Promise<void>) {
  cleanups.push(fn);
}

function killAll(signal: NodeJS.Signals) {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill(signal);
}

/** Stops the children (politely, then not), then runs the cleanups in reverse order. Safe to call twice. */
export function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    killAll('SIGTERM');
    const until = Date.now() + 5000;
    while (children.size > 0 && Date.now() < until) await sleep(50);
    killAll('SIGKILL');
    for (const fn of cleanups.reverse()) {
      await fn().catch((err: Error) => log(`cleanup: ${err.message}`));
    }
  })();
  return cleaning;
}

process.on('exit', () => killAll('SIGKILL'));
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping`);
    void cleanup().finally(() => process.exit(130));
  });
}

export const key32 = () => randomBytes(32).toString('base64');

export interface BenchDatabase {
  url: string;
  adminUrl: string;
  kind: PostgresServer['kind'];
}

/** A fresh database for this run on the tests' PostgreSQL choice; dropped at cleanup. */
export async function openBenchDatabase(): Promise<BenchDatabase> {
  const tmp = mkdtempSync(join(tmpdir(), 'korgon-bench-pg-'));
  const server = await resolvePostgres({
    databaseUrl: process.env.DATABASE_URL || undefined,
    embeddedDir: join(tmp, 'pg'),
    persistent: false,
    log,
  });
  onCleanup(async () => {
    await server.stop();
    rmSync(tmp, { recursive: true, force: true });
  });
  if (server.kind === 'local') await dropOrphans(server.adminUrl);
  const name = `korgon_bench_${Date.now().toString(36)}_${process.pid}`;
  await ensureDatabase(server.adminUrl, name);
  onCleanup(async () => {
    const admin = new pg.Client({ connectionString: server.adminUrl });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
      log(`dropped database ${name}`);
    } finally {
      await admin.end();
    }
  });
  return { url: server.urlFor(name), adminUrl: server.adminUrl, kind: server.kind };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Databases left by a bench that was killed outright (its pid is gone, nobody is connected) on this machine. */
async function dropOrphans(adminUrl: string) {
  const admin = new pg.Client({ connectionString: adminUrl });
  admin.on('error', () => undefined);
  await admin.connect();
  try {
    const { rows } = await admin.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname ~ '^korgon_bench_[a-z0-9]+_[0-9]+$'",
    );
    for (const { datname } of rows) {
      const pid = Number(datname.split('_').at(-1));
      if (alive(pid)) continue;
      // Without FORCE: a database somebody is still using stays.
      await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(datname)}`).then(
        () => log(`dropped ${datname}, left by an earlier run that was killed`),
        () => undefined,
      );
    }
  } finally {
    await admin.end();
  }
}

export interface BenchRedis {
  url: string;
  /** REDIS_PREFIX of every process this run starts: all its keys are `<prefix>:…`, deleted at cleanup. */
  prefix: string;
  kind: RedisServer['kind'];
  /** redis_version from INFO server. */
  version: string;
}

/**
 * Redis chosen as the tests choose it (`REDIS_URL`, else 127.0.0.1:6379, else an embedded one in a temporary
 * directory), with a key prefix of this run's own. At cleanup its keys are deleted (SCAN + UNLINK under the
 * prefix, never a flush: the Redis may be shared) and an embedded Redis is stopped.
 */
export async function openBenchRedis(): Promise<BenchRedis> {
  const tmp = mkdtempSync(join(tmpdir(), 'korgon-bench-redis-'));
  let server: RedisServer;
  try {
    server = await resolveRedis({
      redisUrl: process.env.REDIS_URL || undefined,
      embeddedDir: join(tmp, 'redis'),
      persistent: false,
      log,
    });
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  const prefix = `korgon-bench-${Date.now().toString(36)}-${process.pid}`;
  onCleanup(async () => {
    try {
      const deleted = await deleteKeys(server.url, `${prefix}:`);
      log(`deleted ${deleted} Redis keys under ${prefix}:`);
    } finally {
      await server.stop();
      rmSync(tmp, { recursive: true, force: true });
    }
  });
  const client = new Redis(server.url, { maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  const info = await client.info('server').finally(() => client.disconnect());
  const version = /^redis_version:(\S+)/m.exec(info)?.[1] ?? '?';
  return { url: server.url, prefix, kind: server.kind, version };
}

/** The environment every server and worker process of the run gets (besides its own settings). */
export function serviceEnv(
  databaseUrl: string,
  redis: BenchRedis,
  secrets: ServerSecrets,
): Record<string, string | undefined> {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATABASE_URL: databaseUrl,
    REDIS_URL: redis.url,
    REDIS_PREFIX: redis.prefix,
    // The bench's partner is an HTTP server on 127.0.0.1.
    PARTNER_WEBHOOK_ALLOW_HTTP: 'true',
    PARTNER_WEBHOOK_ALLOW_PRIVATE: 'true',
    // The run's audit checkpoints apart, outside the repository.
    AUDIT_ANCHOR_DIR: resolve(tmpdir(), `korgon-bench-anchors-${new URL(databaseUrl).pathname.slice(1)}`),
    ...secrets,
  };
}

/** Node options for a service process: `extra` (e.g. BENCH_SERVER_NODE_ARGS) split on spaces. */
export const serviceExecArgv = (extra: string | undefined) => [
  ...execArgv,
  ...(extra?.split(' ').filter(Boolean) ?? []),
];

export interface ServerSecrets {
  SESSION_SECRET: string;
  CALLER_HMAC_KEY: string;
  NOTES_ENCRYPTION_KEY: string;
  TELEPHONY_SECRET: string;
  AUDIT_ANCHOR_KEY: string;
}

export interface RunningServer {
  url: string;
  origin: string;
  child: ChildProcess;
  /** Lines the server wrote (warnings and errors at LOG_LEVEL=warn). */
  output: string[];
}

/**
 * The real server as production runs it: its own process, NODE_ENV=production, LOG_LEVEL=warn, the run's
 * PostgreSQL database and its Redis with the run's key prefix.
 */
export async function startServer(
  databaseUrl: string,
  redis: BenchRedis,
  secrets: ServerSecrets,
): Promise<RunningServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = track(
    fork(resolve(root, 'apps/server/src/main.ts'), [], {
      cwd: root,
      // BENCH_SERVER_NODE_ARGS profiles the server under a bench, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
      execArgv: serviceExecArgv(process.env.BENCH_SERVER_NODE_ARGS),
      env: {
        ...serviceEnv(databaseUrl, redis, secrets),
        PORT: String(port),
        HOST: '127.0.0.1',
        PUBLIC_URL: url,
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    }),
  );
  const output: string[] = [];
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      if (!line.trim()) continue;
      if (output.length < 2000) output.push(line);
      if (output.length <= 20) log(`server: ${line.slice(0, 400)}`);
    }
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}) while starting`);
    const ok = await request(`${url}/healthz`, { timeoutMs: 1000 }).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return { url, origin: url, child, output };
    await sleep(250);
  }
  throw new Error('the server did not answer /healthz within 60 s');
}

export interface Message {
  type: string;
  [k: string]: unknown;
}

/** A TypeScript child process with an IPC channel; `next(type)` waits for its next message of that type. */
export function forkScript(file: string, args: string[] = []) {
  const child = track(
    fork(resolve(root, file), args, {
      execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      cwd: root,
    }),
  );
  const inbox: Message[] = [];
  const waiters: { type: string; resolve: (m: Message) => void; reject: (e: Error) => void }[] = [];
  child.on('message', (m: Message) => {
    const i = waiters.findIndex((w) => w.type === m.type);
    if (i >= 0) waiters.splice(i, 1)[0]?.resolve(m);
    else inbox.push(m);
  });
  child.once('exit', (code, signal) => {
    for (const w of waiters.splice(0)) w.reject(new Error(`${file} exited (${signal ?? code})`));
  });
  return {
    child,
    send: (m: Message) => child.send(m),
    next(type: string, timeoutMs = 120_000): Promise<Message> {
      const i = inbox.findIndex((m) => m.type === type);
      if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0] as Message);
      if (child.exitCode !== null || child.signalCode !== null) {
        return Promise.reject(new Error(`${file} has exited`));
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${file}: no "${type}" within ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push({
          type,
          resolve: (m) => {
            clearTimeout(timer);
            resolve(m);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(5000)]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
export type Forked = ReturnType<typeof forkScript>;
