import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { findRepoRoot } from '@korgon/config';
import { vi } from 'vitest';
import { appRoleUrl, testRedis } from './fresh-database';

const root = findRepoRoot(import.meta.dirname);

export interface ServerProcess {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
  stop(): Promise<number | null>;
}

/**
 * Starts `apps/<app>/src/main.ts` as a real process with exactly `env` (plus PATH and HOME, and its database
 * as the application's role: see below). Without a
 * REDIS_URL it gets this run's Redis, under the key prefix of its database (shared by the processes of one
 * test, apart from every other test's).
 */
export function startProcess(app: 'server' | 'worker', env: Record<string, string>): ServerProcess {
  // As in production: a database of this run is reached as the application's role, which owns nothing; the
  // server migrates as the owner (DATABASE_MIGRATION_URL), unless the test chose its URLs itself.
  const asApp = env.DATABASE_URL && !env.DATABASE_MIGRATION_URL ? appRoleUrl(env.DATABASE_URL) : null;
  const roles =
    asApp && env.DATABASE_URL
      ? { DATABASE_URL: asApp, ...(app === 'server' ? { DATABASE_MIGRATION_URL: env.DATABASE_URL } : {}) }
      : {};
  const redis =
    !env.REDIS_URL && env.DATABASE_URL
      ? (() => {
          const r = testRedis(env.DATABASE_URL);
          return { REDIS_URL: r.url, REDIS_PREFIX: r.prefix };
        })()
      : {};
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(root, `apps/${app}/src/main.ts`)], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      LOG_LEVEL: 'warn',
      // A worker's audit checkpoints go to a directory of the test's own, never the repository's var/.
      AUDIT_ANCHOR_DIR: join(tmpdir(), `korgon-anchors-${randomBytes(6).toString('hex')}`),
      ...redis,
      ...env,
      ...roles,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return {
    child,
    output: () => out,
    exit,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exit;
    },
  };
}

export async function waitForUrl(url: string, timeoutMs = 30_000): Promise<void> {
  await vi
    .waitFor(
      async () => {
        if (!(await fetch(url).then((r) => r.ok))) throw new Error('not ok');
      },
      { timeout: timeoutMs, interval: 100 },
    )
    .catch(() => {
      throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    });
}

/** Secrets for a production-mode process in tests. */
export const PROCESS_SECRETS = {
  SESSION_SECRET: 's'.repeat(40),
  CALLER_HMAC_KEY: 'c'.repeat(40),
  NOTES_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
  TELEPHONY_SECRET: 't'.repeat(40),
  AUDIT_ANCHOR_KEY: 'a'.repeat(40),
  METRICS_TOKEN: 'm'.repeat(40),
};
