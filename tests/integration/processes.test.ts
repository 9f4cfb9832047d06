import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { freePort } from '@korgon/dev/postgres';
import { freshDatabase, TEST_ORIGIN } from '@korgon/dev/testing';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const secrets = {
  SESSION_SECRET: 's'.repeat(40),
  CALLER_HMAC_KEY: 'c'.repeat(40),
  NOTES_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
  TELEPHONY_SECRET: 't'.repeat(40),
};

function startServer(env: Record<string, string>): {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(root, 'apps/server/src/main.ts')], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      LOG_LEVEL: process.env.PROC_LOG ?? 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, output: () => out, exit };
}

async function waitFor(url: string, timeoutMs = 30_000): Promise<void> {
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
  throw new Error(`${url} did not answer`);
}

describe('the server process', () => {
  it('refuses to start in production without its secrets, naming each one', async () => {
    const s = startServer({ NODE_ENV: 'production', DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/x' });
    expect(await s.exit).toBe(78);
    for (const key of Object.keys(secrets))
      expect(s.output()).toContain(`${key} is required in production and is not set`);
  });

  it('migrates at start, then on SIGTERM finishes the request in flight and exits 0', async () => {
    const port = await freePort();
    const databaseUrl = await freshDatabase('proc');
    const s = startServer({
      ...secrets,
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      PUBLIC_URL: TEST_ORIGIN,
    });
    await waitFor(`http://127.0.0.1:${port}/healthz`);
    // argon2 makes a sign-in take a while: it is in flight when SIGTERM arrives.
    const inFlight = fetch(`http://127.0.0.1:${port}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: TEST_ORIGIN },
      body: JSON.stringify({ username: 'nobody', password: 'wrong password' }),
    });
    await new Promise((r) => setTimeout(r, 5));
    s.child.kill('SIGTERM');
    const res = await inFlight;
    expect(res.status).toBe(401);
    expect(await s.exit, s.output()).toBe(0);
    expect(s.output()).not.toMatch(/unhandled|Error:/);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });
});
