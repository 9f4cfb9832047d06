import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { findRepoRoot } from '@korgon/config';
import { testRedis } from './fresh-database';

const root = findRepoRoot(import.meta.dirname);

export interface ServerProcess {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
  stop(): Promise<number | null>;
}

/**
 * Starts `apps/<app>/src/main.ts` as a real process with exactly `env` (plus PATH and HOME). Without a
 * REDIS_URL it gets this run's Redis, under the key prefix of its database (shared by the processes of one
 * test, apart from every other test's).
 */
export function startProcess(app: 'server' | 'worker', env: Record<string, string>): ServerProcess {
  const redis =
    !env.REDIS_URL && env.DATABASE_URL
      ? (() => {
          const r = testRedis(env.DATABASE_URL);
          return { REDIS_URL: r.url, REDIS_PREFIX: r.prefix };
        })()
      : {};
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(root, `apps/${app}/src/main.ts`)], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'warn', ...redis, ...env },
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
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

/** Secrets for a production-mode process in tests. */
export const PROCESS_SECRETS = {
  SESSION_SECRET: 's'.repeat(40),
  CALLER_HMAC_KEY: 'c'.repeat(40),
  NOTES_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
  TELEPHONY_SECRET: 't'.repeat(40),
};
