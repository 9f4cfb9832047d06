import { demoTotpSecret, stepAt, totpCodeAt } from '@korgon/server';

/**
 * The second factor in tests, done for real: the demo's people are enrolled with secrets derived from the demo
 * password (`enrolDemoSecondFactor`, called by createTestApp and by every test that seeds a demo itself), so a
 * helper computes the code an authenticator app would show. The server accepts each 30-second step of a user
 * once (and the step after the current one), so the steps used here are tracked: a helper signing one user in
 * again takes the next step, or waits for the next one to come.
 */

/** The demo password the tests' demo is seeded with (test-app.ts TEST_PASSWORD; kept here to avoid a cycle). */
const TEST_DEMO_PASSWORD = 'correct horse battery staple';

/** Secrets of users enrolled through the API in this test file (a user the demo did not enrol). */
const enrolledHere = new Map<string, string>();
/** The last step used per secret in this process (a test file runs in one process). */
const lastStep = new Map<string, number>();

/** The secret a helper uses for a user: one it enrolled itself, else the demo's. */
export function totpSecretOf(username: string, demoPassword = TEST_DEMO_PASSWORD): string {
  return enrolledHere.get(username.toLowerCase()) ?? demoTotpSecret(demoPassword, username.toLowerCase());
}

/** Remembers a secret a test enrolled (so later sign-ins of that user compute its codes). */
export function rememberTotpSecret(username: string, secret: string): void {
  enrolledHere.set(username.toLowerCase(), secret);
}

/**
 * A code for this secret no helper of this process has used yet: the step before (the server allows one step
 * of drift each way; only while more than 5 s of this step remain, so the request cannot cross into the next
 * step on its way and find it too old), the current one, the next one; else it waits for the next step.
 */
export async function freshTotpCode(secret: string): Promise<string> {
  for (;;) {
    const ms = Date.now();
    const now = stepAt(ms);
    const earliest = 30_000 - (ms % 30_000) > 5_000 ? now - 1 : now;
    const step = Math.max(earliest, (lastStep.get(secret) ?? Number.NEGATIVE_INFINITY) + 1);
    if (step <= now + 1) {
      lastStep.set(secret, step);
      return totpCodeAt(secret, step);
    }
    await new Promise((r) => setTimeout(r, 30_000 - (Date.now() % 30_000) + 50));
  }
}

/** Whether freshTotpCode would answer at once (a step is free), rather than wait for the next one. */
export function totpStepFree(secret: string): boolean {
  const ms = Date.now();
  const now = stepAt(ms);
  const earliest = 30_000 - (ms % 30_000) > 5_000 ? now - 1 : now;
  return Math.max(earliest, (lastStep.get(secret) ?? Number.NEGATIVE_INFINITY) + 1) <= now + 1;
}

/** A code for this secret at this moment, without tracking (for tests that want a replay or a given step). */
export function totpCodeNow(secret: string, offsetSteps = 0): string {
  return totpCodeAt(secret, stepAt(Date.now()) + offsetSteps);
}

export type PostJson = (url: string, body: unknown) => Promise<{ status: number; body: string }>;

/**
 * Completes a pending sign-in (the login's answer `next`): sends the code, or enrols first with a new secret
 * (remembered for the next sign-ins) and confirms it. `post` sends JSON with the pending session's cookie.
 */
export async function passSecondFactor(
  post: PostJson,
  username: string,
  next: string | undefined,
  opts: { demoPassword?: string } = {},
): Promise<void> {
  if (!next) return;
  if (next === 'enrol') {
    const start = await post('/api/auth/second-factor/enrol', {});
    if (start.status !== 200)
      throw new Error(`enrolment of ${username} failed: ${start.status} ${start.body}`);
    const { secret } = JSON.parse(start.body) as { secret: string };
    rememberTotpSecret(username, secret);
    const done = await post('/api/auth/second-factor/enrol/confirm', { code: await freshTotpCode(secret) });
    if (done.status !== 200) throw new Error(`enrolment of ${username} failed: ${done.status} ${done.body}`);
    return;
  }
  const code = await freshTotpCode(totpSecretOf(username, opts.demoPassword));
  const res = await post('/api/auth/second-factor/verify', { code });
  if (res.status !== 200) throw new Error(`second factor of ${username} failed: ${res.status} ${res.body}`);
}

/**
 * Signs in over HTTP as a browser or a script would (fetch, with an Origin), second factor included; returns
 * the cookie header for later requests.
 */
export async function signInOverHttp(
  baseUrl: string,
  username: string,
  opts: { password?: string; origin?: string; demoPassword?: string; headers?: Record<string, string> } = {},
): Promise<string> {
  const origin = opts.origin ?? baseUrl;
  const res = await fetch(`${baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin, ...opts.headers },
    body: JSON.stringify({ username, password: opts.password ?? TEST_DEMO_PASSWORD }),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`sign-in as ${username} failed: ${res.status} ${text}`);
  const setCookie = res.headers.getSetCookie().find((c) => /session=/.test(c));
  if (!setCookie) throw new Error('no session cookie was set');
  const cookie = setCookie.split(';')[0] ?? '';
  const next = (JSON.parse(text) as { next?: string }).next;
  await passSecondFactor(
    async (url, body) => {
      const r = await fetch(`${baseUrl}${url}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin, cookie, ...opts.headers },
        body: JSON.stringify(body),
      });
      return { status: r.status, body: await r.text() };
    },
    username,
    next,
    opts,
  );
  return cookie;
}
