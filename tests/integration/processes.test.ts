import { freePort } from '@korgon/dev/postgres';
import { freshDatabase, PROCESS_SECRETS, startProcess, TEST_ORIGIN, waitForUrl } from '@korgon/dev/testing';
import { describe, expect, it } from 'vitest';

describe('the server process', () => {
  it('refuses to start in production without its secrets, naming each one', async () => {
    const s = startProcess('server', {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/x',
    });
    expect(await s.exit).toBe(78);
    for (const key of Object.keys(PROCESS_SECRETS))
      expect(s.output()).toContain(`${key} is required in production and is not set`);
  });

  it('migrates at start, then on SIGTERM finishes the request in flight and exits 0', async () => {
    const port = await freePort();
    const databaseUrl = await freshDatabase('proc');
    const s = startProcess('server', {
      ...PROCESS_SECRETS,
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      PUBLIC_URL: TEST_ORIGIN,
      // Its "incoming request" line (below) is at debug.
      LOG_LEVEL: 'debug',
    });
    await waitForUrl(`http://127.0.0.1:${port}/healthz`);
    // argon2 makes a sign-in take a while: it is in flight when SIGTERM arrives.
    const inFlight = fetch(`http://127.0.0.1:${port}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: TEST_ORIGIN },
      body: JSON.stringify({ username: 'nobody', password: 'wrong password' }),
    });
    // SIGTERM only once the server has the request (its "incoming request" log line names the route): a
    // request that had not reached it yet would rightly be refused with 503 while the server closes.
    const deadline = Date.now() + 10_000;
    while (
      !/incoming request[^\n]*\/api\/auth\/login|\/api\/auth\/login[^\n]*incoming request/.test(s.output())
    ) {
      if (Date.now() > deadline)
        throw new Error(`the server never logged the sign-in request:\n${s.output()}`);
      await new Promise((r) => setTimeout(r, 2));
    }
    s.child.kill('SIGTERM');
    const res = await inFlight;
    expect(res.status).toBe(401);
    expect(await s.exit, s.output()).toBe(0);
    expect(s.output()).not.toMatch(/unhandled|Error:/);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });
});
