import type { DbHandle } from '@korgon/db';
import {
  PROCESS_SECRETS,
  passSecondFactor,
  type ServerProcess,
  startProcess,
  type startWebhookPartner,
  TEST_PASSWORD,
  waitForUrl,
} from '@korgon/dev/testing';
import type { JobQueues } from '@korgon/jobs';
import { vi } from 'vitest';

/**
 * What the fault tests share: real server and worker processes, a real webhook partner, requests as the
 * console makes them, and bounded waits that say what they waited for.
 */

export type Partner = Awaited<ReturnType<typeof startWebhookPartner>>;

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Everything a test started, undone in reverse order whatever happens (bounded, errors swallowed). */
export function cleanupStack() {
  const fns: { what: string; fn: () => Promise<unknown> }[] = [];
  return {
    add(what: string, fn: () => Promise<unknown>) {
      fns.push({ what, fn });
    },
    async run() {
      for (const { what, fn } of fns.reverse()) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          fn().catch((err: Error) => console.warn(`[referral-faults] cleanup "${what}": ${err.message}`)),
          new Promise<void>((r) => {
            timer = setTimeout(() => {
              console.warn(`[referral-faults] cleanup "${what}" took over 30 s; going on`);
              r();
            }, 30_000);
          }),
        ]);
        clearTimeout(timer);
      }
    },
  };
}

/** SIGTERM, then SIGKILL when it does not exit within `ms`. */
export async function stopProcess(p: ServerProcess, ms = 15_000): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGTERM');
  const exited = await Promise.race([p.exit.then(() => true), sleep(ms).then(() => false)]);
  if (!exited) {
    p.child.kill('SIGKILL');
    await p.exit;
  }
}

export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | null | false>,
  timeoutMs: number,
  diagnose?: () => Promise<string>,
): Promise<T> {
  const notYet = `not yet: ${what}`;
  try {
    return await vi.waitFor(
      async () => {
        const v = await check();
        if (!v) throw new Error(notYet);
        return v;
      },
      { timeout: timeoutMs, interval: 25 },
    );
  } catch (err) {
    // A check that failed outright says so itself; only a plain timeout is worth the diagnosis.
    if ((err as Error).message !== notYet) throw err;
    const more = diagnose
      ? `\n${await diagnose().catch((e: Error) => `(diagnosis failed: ${e.message})`)}`
      : '';
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${more}`);
  }
}

export interface Answer {
  status: number;
  json: { message?: string; code?: string; id?: string; [k: string]: unknown } | null;
  text: string;
}

/** One request as the console makes it: same origin, the session cookie, JSON. */
export async function call(
  base: string,
  cookie: string | null,
  method: string,
  path: string,
  body?: unknown,
  timeoutMs = 20_000,
): Promise<Answer> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      origin: base,
      ...(cookie ? { cookie } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let json: Answer['json'] = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: res.status, json, text };
}

export async function signIn(base: string, username: string): Promise<string> {
  const res = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { origin: base, 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: TEST_PASSWORD }),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`sign-in as ${username}: ${res.status} ${text}`);
  const cookie = res.headers.getSetCookie()[0]?.split(';')[0];
  if (!cookie) throw new Error(`sign-in as ${username}: no session cookie`);
  // The second factor of the roles that need one (the demo's secrets: enrolTestDemo).
  await passSecondFactor(
    async (url, body) => {
      const r = await fetch(`${base}${url}`, {
        method: 'POST',
        headers: { origin: base, 'content-type': 'application/json', cookie },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(20_000),
      });
      return { status: r.status, body: await r.text() };
    },
    username,
    (JSON.parse(text) as { next?: string }).next,
  );
  return cookie;
}

/** A consultation by the signed-in operator, with the caller's consent to refer. */
export async function consultationWithConsent(base: string, cookie: string): Promise<string> {
  const id = crypto.randomUUID();
  const save = await call(base, cookie, 'PUT', `/api/consultations/${id}`, {
    baseRevision: 0,
    channel: 'call_back',
    data: {
      contactKind: 'about_self',
      survivor: { region: 'KG-GB', ageBand: '26-40', gender: 'female' },
      violenceForms: ['physical'],
      consent: { referral: 'yes' },
      safeContact: { callbackFrom: '18:00', callbackTo: '20:00' },
    },
    secret: { notes: 'never leaves Korgon', codeWord: '', ifCallDrops: '' },
  });
  if (save.status !== 201) throw new Error(`saving a consultation: ${save.status} ${save.text}`);
  return id;
}

/** A webhook partner in the registry, pointing at `url`, and its signing secret. */
export async function webhookPartner(base: string, admin: string, url: string, slug: string) {
  const created = await call(base, admin, 'POST', '/api/admin/partners', {
    slug,
    name: { ky: 'Кризистик борбор', ru: 'Кризисный центр', en: `Crisis centre (${slug})` },
    type: 'crisis_centre',
    regions: ['KG-GB'],
    channel: 'webhook',
    webhookUrl: url,
  });
  if (created.status !== 201) throw new Error(`creating the partner: ${created.status} ${created.text}`);
  const secret = await call(base, admin, 'POST', `/api/admin/partners/${created.json?.id}/webhook-secret`);
  if (secret.status !== 200 && secret.status !== 201)
    throw new Error(`making the webhook secret: ${secret.status} ${secret.text}`);
  return { id: created.json?.id as string, secret: secret.json?.secret as string };
}

export const referralBody = (id: string, consultationId: string, partnerId: string) => ({
  id,
  consultationId,
  partnerId,
  urgency: 'standard',
  consent: { basis: 'caller_consent' },
  fields: ['region', 'ageBand', 'message'],
  message: 'She can talk after 18:00.',
});

/** A production process's environment: the test's database, and Redis under a prefix of its own. */
export function processEnv(
  databaseUrl: string,
  publicUrl: string,
  redis: { url: string; prefix: string },
  extra: Record<string, string> = {},
) {
  return {
    ...PROCESS_SECRETS,
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    REDIS_URL: redis.url,
    REDIS_PREFIX: redis.prefix,
    JOB_BACKOFF_MS: '200',
    PARTNER_WEBHOOK_ALLOW_HTTP: 'true',
    PARTNER_WEBHOOK_ALLOW_PRIVATE: 'true',
    PUBLIC_URL: publicUrl,
    ...extra,
  };
}

export async function startServerProcess(env: Record<string, string>, port: number): Promise<ServerProcess> {
  const server = startProcess('server', { ...env, PORT: String(port), HOST: '127.0.0.1' });
  try {
    await waitForUrl(`http://127.0.0.1:${port}/healthz`, 60_000);
  } catch (err) {
    throw new Error(`${(err as Error).message}; server output:\n${server.output().slice(-3000)}`);
  }
  return server;
}

/** BullMQ's view of the delivery jobs: what is left, what runs now, what failed for good. */
export async function jobSummary(jobs: JobQueues) {
  const c = await jobs.queues.referrals.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed');
  const waiting = (c.waiting ?? 0) + (c.prioritized ?? 0);
  return {
    left: waiting + (c.active ?? 0) + (c.delayed ?? 0),
    waiting,
    active: c.active ?? 0,
    delayed: c.delayed ?? 0,
    failed: c.failed ?? 0,
  };
}

export async function statusCounts(q: DbHandle['pool']): Promise<Record<string, number>> {
  const { rows } = await q.query<{ status: string; n: number }>(
    'SELECT status, count(*)::int AS n FROM referrals GROUP BY status',
  );
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/** Runs `tasks` with at most `width` at once. */
export async function inParallel<T>(items: T[], width: number, task: (item: T, i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        await task(items[i] as T, i);
      }
    }),
  );
}
