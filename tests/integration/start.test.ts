import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { findRepoRoot } from '@korgon/config';
import { freePort } from '@korgon/dev/postgres';
import { appRoleUrl, freshDatabase, PROCESS_SECRETS, testRedis } from '@korgon/dev/testing';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * `pnpm start` as a person runs it, against this run's PostgreSQL and Redis: a test database and a Redis prefix
 * of its own (never the dev database `korgon`), a console build of its own (CONSOLE_DIST: nothing is built),
 * and audit checkpoints in a directory of its own.
 */
const root = findRepoRoot(import.meta.dirname);
let env: Record<string, string>;
let port: number;

beforeAll(async () => {
  const owner = await freshDatabase('start');
  const redis = testRedis(owner);
  const dist = mkdtempSync(join(tmpdir(), 'korgon-start-dist-'));
  writeFileSync(join(dist, 'index.html'), '<!doctype html><title>Korgon</title>');
  port = await freePort();
  env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    ...PROCESS_SECRETS,
    // As `pnpm start` on a server of its own: the owner migrates and seeds, the children connect as the app.
    DATABASE_URL: appRoleUrl(owner) ?? owner,
    ...(appRoleUrl(owner) ? { DATABASE_MIGRATION_URL: owner } : {}),
    REDIS_URL: redis.url,
    REDIS_PREFIX: redis.prefix,
    PORT: String(port),
    CONSOLE_DIST: dist,
    AUDIT_ANCHOR_DIR: mkdtempSync(join(tmpdir(), 'korgon-start-anchors-')),
    KORGON_DEMO_PASSWORD: 'start-test-password',
    KORGON_DEMO_HISTORY: 'off',
  };
});

interface Started {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
}

function start(args: string[]): Started {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', resolve(root, 'tooling/dev/src/start.ts'), ...args],
    {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, output: () => out, exit };
}

/** Waits for the banner's last line; fails with the output when the process ends first. */
async function untilBanner(s: Started): Promise<void> {
  let ended = false;
  void s.exit.then(() => (ended = true));
  const deadline = Date.now() + 150_000;
  while (!/Stop with Ctrl-C\.[^\n]*\n\s*─+\n/.test(s.output())) {
    if (ended || Date.now() > deadline) throw new Error(`no banner; the output:\n${s.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The local addresses (hex, as /proc/net/tcp* has them) of the sockets listening on `port`. */
function listeningAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((f) => f[3] === '0A' && f[1]?.endsWith(`:${hexPort}`))
      .map((f) => f[1]?.split(':')[0] ?? ''),
  );
}

describe('pnpm start', () => {
  it('with --quiet shows only the banner, listens on 127.0.0.1 alone, and on SIGINT stops cleanly', async () => {
    const s = start(['--quiet']);
    try {
      await untilBanner(s);
      const out = s.output();
      const banner = out.indexOf('Korgon is running.');
      // Nothing before the banner: --quiet shows no log lines.
      expect(out.slice(0, banner).replace(/[\s─]/g, '')).toBe('');
      expect(out).toContain(`http://localhost:${port}`);
      expect(out).toContain('Password: the value of KORGON_DEMO_PASSWORD');
      // 0100007F is 127.0.0.1: the server is not reachable from the network by default.
      const listening = listeningAddresses(port);
      expect(listening.length).toBeGreaterThan(0);
      expect(listening.every((a) => a === '0100007F')).toBe(true);
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);

      s.child.kill('SIGINT');
      expect(await s.exit, s.output()).toBe(0);
      const after = s.output().slice(banner);
      expect(after).not.toMatch(/warn|error/i);
      const lines = s.output().trim().split('\n');
      expect(lines.at(-1)).toBe('Korgon stopped.');
      // After the banner, the stopped line alone.
      const tail = after
        .slice(after.indexOf('Stop with Ctrl-C.'))
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => /[^\s─]/.test(l));
      expect(tail).toEqual(['Stop with Ctrl-C.', 'Korgon stopped.']);
      await expect(fetch(`http://127.0.0.1:${port}/readyz`)).rejects.toThrow();
    } finally {
      if (s.child.exitCode === null) s.child.kill('SIGKILL');
    }
  }, 180_000);

  it('logs readable lines, and stops the simulated PBX, then the server and the worker, without a warning', async () => {
    const s = start([]);
    try {
      await untilBanner(s);
      const banner = s.output().indexOf('Korgon is running.');
      // pino-pretty's lines (time, level, source), not JSON.
      expect(s.output().slice(0, banner)).toMatch(
        /^\[\d\d:\d\d:\d\d\] INFO \(server\): Korgon server ready/m,
      );
      expect(s.output()).not.toMatch(/^\{"level"/m);
      // The readiness probes were requests: their lines are at debug, not shown at info.
      expect(s.output()).not.toMatch(/incoming request|request completed/);
      s.child.kill('SIGINT');
      expect(await s.exit, s.output()).toBe(0);
      const after = s.output().slice(banner);
      expect(after).not.toMatch(/warn|error/i);
      const at = (re: RegExp) => after.search(re);
      const simulator = at(/\(simulator\): stopped: /);
      const server = at(/\(korgon\): server stopped/);
      const worker = at(/\(korgon\): worker stopped/);
      expect(simulator).toBeGreaterThan(0);
      expect(server).toBeGreaterThan(simulator);
      expect(worker).toBeGreaterThan(simulator);
      expect(s.output().trim().split('\n').at(-1)).toBe('Korgon stopped.');
    } finally {
      if (s.child.exitCode === null) s.child.kill('SIGKILL');
    }
  }, 180_000);
});
