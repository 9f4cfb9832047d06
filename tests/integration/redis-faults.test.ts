import { createDb, type DbHandle } from '@korgon/db';
import { freePort } from '@korgon/dev/postgres';
import {
  callEvent,
  enrolTestDemo,
  freshDatabase,
  PROCESS_SECRETS,
  type PrivateRedis,
  type ServerProcess,
  startPrivateRedis,
  startProcess,
  startWebhookPartner,
  TEST_PASSWORD,
} from '@korgon/dev/testing';
import { jobIds, type TelephonyEvent } from '@korgon/domain';
import { JobQueues } from '@korgon/jobs';
import { seedDemo } from '@korgon/server';
import { signedHeaders } from '@korgon/signing';
import { describe, expect, it } from 'vitest';
import {
  call,
  cleanupStack,
  consultationWithConsent,
  inParallel,
  jobSummary,
  type Partner,
  processEnv,
  referralBody,
  signIn,
  sleep,
  startServerProcess,
  statusCounts,
  stopProcess,
  waitFor,
  webhookPartner,
} from './lib/faults';

/**
 * Redis carries the work, PostgreSQL keeps it (ADR 0002). Each test runs a real server and a real worker on a
 * private redis-server of its own, then loses Redis's data in the middle of the work: by a restart (it keeps
 * nothing on disk), by FLUSHALL, or by Redis being down when an operator sends. Nothing may be lost: every
 * referral is delivered once, escalations fire at the deadline PostgreSQL holds, and wrap-ups end.
 */

const WRAP_UP_SECONDS = 20;
const PREFIX = 'korgon-fault';

interface Setup {
  db: DbHandle;
  redis: PrivateRedis;
  jobs: JobQueues;
  base: string;
  env: Record<string, string>;
  server: ServerProcess;
  worker: ServerProcess;
  partner: Partner;
  admin: string;
  op: string;
  /** The webhook partner's id in the registry. */
  partnerId: string;
}

async function setUp(
  label: string,
  cleanup: ReturnType<typeof cleanupStack>,
  opts: { worker?: boolean } = {},
): Promise<Setup & { startWorker(): ServerProcess }> {
  const databaseUrl = await freshDatabase(label);
  const db = createDb(databaseUrl, { max: 4 });
  cleanup.add('database handle', () => db.close());
  await seedDemo(db.db, TEST_PASSWORD);
  await enrolTestDemo(db.db, PROCESS_SECRETS.NOTES_ENCRYPTION_KEY);
  const redis = await startPrivateRedis();
  cleanup.add('private Redis', () => redis.stop());
  expect(redis.url).not.toContain(':6379');
  const jobs = new JobQueues({ url: redis.url, prefix: PREFIX });
  jobs.connection.on('error', () => undefined);
  cleanup.add('job queues', () => jobs.close());
  let secret = '';
  const partner = await startWebhookPartner(() => secret);
  cleanup.add('webhook partner', () => partner.close());
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = processEnv(
    databaseUrl,
    base,
    { url: redis.url, prefix: PREFIX },
    {
      REFERRAL_MAX_ATTEMPTS: '25',
      WEBHOOK_TIMEOUT_MS: '2000',
      WORKER_LOCK_MS: '4000',
      WRAP_UP_SECONDS: String(WRAP_UP_SECONDS),
    },
  );
  const server = await startServerProcess(env, port);
  cleanup.add('server', () => stopProcess(server));
  const startWorker = () => {
    const w = startProcess('worker', env);
    cleanup.add('worker', () => stopProcess(w));
    return w;
  };
  const worker = opts.worker === false ? (undefined as unknown as ServerProcess) : startWorker();
  const admin = await signIn(base, 'admin');
  const op = await signIn(base, 'operator1');
  const p = await webhookPartner(base, admin, partner.url, `crisis-${label}`);
  secret = p.secret;
  return { db, redis, jobs, base, env, server, worker, partner, admin, op, partnerId: p.id, startWorker };
}

async function postTelephony(s: Setup, events: TelephonyEvent[]) {
  const body = JSON.stringify(events);
  const res = await fetch(`${s.base}/api/telephony/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signedHeaders(s.env.TELEPHONY_SECRET as string, body) },
    body,
  });
  expect(res.status).toBe(200);
}

async function portalPartnerId(s: Setup): Promise<string> {
  const { rows } = await s.db.pool.query<{ id: string }>(
    "SELECT id FROM partner_orgs WHERE channel = 'portal' AND active ORDER BY slug LIMIT 1",
  );
  const id = rows[0]?.id;
  if (!id) throw new Error('the demo has no portal partner');
  return id;
}

describe.each([
  { fault: 'restarted empty', lose: (r: PrivateRedis) => r.kill().then(() => r.start()) },
  { fault: 'flushed (FLUSHALL)', lose: (r: PrivateRedis) => r.flushAll() },
])('Redis $fault in the middle of the work', ({ fault, lose }) => {
  it('delivers all 1,000 referrals once, escalates at the stored deadline, and ends the wrap-up', async () => {
    const cleanup = cleanupStack();
    try {
      const s = await setUp(fault.startsWith('restart') ? 'redisrestart' : 'redisflush', cleanup, {
        worker: false,
      });
      const consultations = await Promise.all(
        Array.from({ length: 4 }, () => consultationWithConsent(s.base, s.op)),
      );
      // 1,000 standard referrals to the webhook partner, committed and queued before a worker runs.
      const ids = Array.from({ length: 1000 }, () => crypto.randomUUID());
      const refused: string[] = [];
      await inParallel(ids, 8, async (id, i) => {
        const res = await call(
          s.base,
          s.op,
          'POST',
          '/api/referrals',
          referralBody(id, consultations[i % consultations.length] as string, s.partnerId),
        );
        if (res.status !== 201) refused.push(`${id}: ${res.status} ${res.text.slice(0, 200)}`);
      });
      expect(refused).toEqual([]);
      expect((await jobSummary(s.jobs)).left).toBe(1000);

      // Two urgent referrals to a partner that reads its portal (its type escalates after one minute): they
      // are delivered at once, then wait for an acknowledgement that never comes.
      const portal = await portalPartnerId(s);
      const { rows: types } = await s.db.pool.query<{ type: string }>(
        'SELECT type FROM partner_orgs WHERE id = $1',
        [portal],
      );
      const setMinutes = await call(
        s.base,
        s.admin,
        'PUT',
        `/api/admin/partner-types/${types[0]?.type}/escalation`,
        { minutes: 1 },
      );
      expect(setMinutes.status).toBe(200);
      const urgent = [crypto.randomUUID(), crypto.randomUUID()];
      for (const id of urgent) {
        const res = await call(s.base, s.op, 'POST', '/api/referrals', {
          ...referralBody(id, consultations[0] as string, portal),
          urgency: 'urgent',
        });
        expect(res.status).toBe(201);
      }

      // operator3 (Елена Смирнова) answers a call at extension 103 and it ends: her wrap-up ends WRAP_UP_SECONDS later.
      const t0 = Date.now();
      await postTelephony(s, [
        callEvent(`${fault}-c1`, 'call.offered', new Date(t0 - 30_000)),
        callEvent(`${fault}-c1`, 'call.answered', new Date(t0 - 20_000), { extension: '103' }),
        callEvent(`${fault}-c1`, 'call.ended', new Date(t0)),
      ]);
      const { rows: wrap } = await s.db.pool.query<{ user_id: string; since: Date; wrap_up_ends_at: Date }>(
        `SELECT o.user_id, o.since, o.wrap_up_ends_at FROM operator_states o JOIN users u ON u.id = o.user_id
          WHERE u.username = 'operator3' AND o.status = 'wrap_up'`,
      );
      const wrapUp = wrap[0];
      if (!wrapUp) throw new Error('operator3 is not in wrap-up');
      // The escalation and wrap-up jobs wait in Redis as delayed jobs.
      expect(await s.jobs.queues.timers.getJobState(jobIds.escalate(urgent[0] as string))).toBe('delayed');
      expect(await s.jobs.queues.timers.getJobState(jobIds.wrapUpEnd(wrapUp.user_id, wrapUp.since))).toBe(
        'delayed',
      );

      // A worker starts on the backlog; in the middle of it, Redis loses everything.
      s.worker = s.startWorker();
      await waitFor('some deliveries', async () => s.partner.effects.size >= 150, 60_000);
      const effectsAtLoss = s.partner.effects.size;
      await lose(s.redis);
      expect(await s.jobs.queues.timers.getJobState(jobIds.escalate(urgent[0] as string))).toBe('unknown');
      expect(effectsAtLoss).toBeLessThan(1000);

      await waitFor(
        'every referral delivered',
        async () =>
          (await statusCounts(s.db.pool)).delivered === 1000 && (await jobSummary(s.jobs)).left === 0,
        120_000,
        async () =>
          `statuses ${JSON.stringify(await statusCounts(s.db.pool))}, jobs ${JSON.stringify(await jobSummary(s.jobs))}, effects ${s.partner.effects.size}\nworker:\n${s.worker.output().slice(-2000)}`,
      );
      // Each partner effect once, and one "delivered" step per referral.
      expect(s.partner.effects.size).toBe(1000);
      expect([...s.partner.effects.keys()].sort()).toEqual([...ids].sort());
      const { rows: steps } = await s.db.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM referral_events WHERE status = 'delivered' AND referral_id = ANY($1::uuid[])`,
        [ids],
      );
      expect(steps[0]?.n).toBe(1000);

      // The escalations fire at the deadline PostgreSQL held, not lost with Redis.
      await waitFor(
        'both escalations',
        async () => {
          const { rows } = await s.db.pool.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM referrals WHERE id = ANY($1::uuid[]) AND status = 'escalated'`,
            [urgent],
          );
          return rows[0]?.n === 2;
        },
        120_000,
      );
      const { rows: late } = await s.db.pool.query<{ late_ms: number }>(
        `SELECT (extract(epoch FROM escalated_at - escalate_at) * 1000)::float8 AS late_ms FROM referrals
          WHERE id = ANY($1::uuid[])`,
        [urgent],
      );
      for (const r of late) {
        expect(r.late_ms).toBeGreaterThanOrEqual(-50);
        expect(r.late_ms).toBeLessThan(8000);
      }

      // The wrap-up ended, at its stored end.
      await waitFor(
        'the wrap-up to end',
        async () => {
          const { rows } = await s.db.pool.query<{ status: string }>(
            'SELECT status FROM operator_states WHERE user_id = $1',
            [wrapUp.user_id],
          );
          return rows[0]?.status === 'available';
        },
        60_000,
      );
      const { rows: ended } = await s.db.pool.query<{ since: Date }>(
        'SELECT since FROM operator_states WHERE user_id = $1',
        [wrapUp.user_id],
      );
      expect((ended[0]?.since.getTime() ?? 0) - wrapUp.wrap_up_ends_at.getTime()).toBeGreaterThanOrEqual(-50);
      expect((ended[0]?.since.getTime() ?? 0) - wrapUp.wrap_up_ends_at.getTime()).toBeLessThan(8000);

      expect(await jobSummary(s.jobs)).toMatchObject({ failed: 0 });
      expect(s.server.child.exitCode, 'the server kept running').toBeNull();
      expect(s.worker.child.exitCode, 'the worker kept running').toBeNull();
      console.log(
        `[redis-faults] Redis ${fault} after ${effectsAtLoss} of 1000 effects; ${s.partner.calls.length} webhook calls in all`,
      );
    } finally {
      await cleanup.run();
    }
  }, 300_000);
});

describe('Redis down when an operator sends an urgent referral', () => {
  it('is saved (201, queued), readiness names Redis, and it is delivered and its escalation set once Redis is back', async () => {
    const cleanup = cleanupStack();
    try {
      const s = await setUp('redisdown', cleanup);
      const k = await consultationWithConsent(s.base, s.op);
      await s.redis.kill();

      const id = crypto.randomUUID();
      const started = Date.now();
      const res = await call(s.base, s.op, 'POST', '/api/referrals', {
        ...referralBody(id, k, s.partnerId),
        urgency: 'urgent',
      });
      expect(res.status).toBe(201);
      expect(res.json?.status).toBe('queued');
      // The request did not wait on Redis beyond the producer's short timeout.
      expect(Date.now() - started).toBeLessThan(5000);
      const shown = await call(s.base, s.op, 'GET', `/api/referrals/${id}`);
      expect(shown.status).toBe(200);
      expect(shown.json?.status).toBe('queued');
      const ready = await call(s.base, null, 'GET', '/readyz');
      expect(ready.status).toBe(503);
      expect(ready.json?.failed).toContain('redis');
      // Signing in still works: rate limits let requests through while their store is away.
      expect(await signIn(s.base, 'operator2')).toMatch(/=/);
      await sleep(1000);
      expect(s.partner.effects.has(id)).toBe(false);

      await s.redis.start();
      await waitFor(
        'the delivery once Redis is back',
        async () => s.partner.effects.has(id),
        60_000,
        async () => s.worker.output().slice(-2000),
      );
      await waitFor(
        'the escalation job',
        async () => (await s.jobs.queues.timers.getJobState(jobIds.escalate(id))) === 'delayed',
        30_000,
      );
      await waitFor(
        'the referral delivered',
        async () => (await statusCounts(s.db.pool)).delivered === 1,
        30_000,
      );
      const { rows } = await s.db.pool.query<{ escalate_at: Date }>(
        'SELECT escalate_at FROM referrals WHERE id = $1',
        [id],
      );
      const job = await s.jobs.queues.timers.getJob(jobIds.escalate(id));
      expect(
        Math.abs((job?.timestamp ?? 0) + (job?.delay ?? 0) - (rows[0]?.escalate_at.getTime() ?? 0)),
      ).toBeLessThan(1000);
      expect((await call(s.base, null, 'GET', '/readyz')).json?.checks).toMatchObject({
        redis: { ok: true },
      });
      expect(s.server.child.exitCode).toBeNull();
    } finally {
      await cleanup.run();
    }
  }, 180_000);
});
