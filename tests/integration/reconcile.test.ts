import { createTestApp, signIn, type TestApp, testQueues } from '@korgon/dev/testing';
import { jobIds } from '@korgon/domain';
import { bullPrefix, type JobQueues, redisConnection } from '@korgon/jobs';
import { reconcile } from '@korgon/worker';
import { Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

/**
 * The reconciler alone (no worker runs here): PostgreSQL holds the pending work; whatever job Redis does not
 * hold is added again, with PostgreSQL's times; what it holds is left alone.
 */
let t: TestApp;
let jobs: JobQueues;
let op: string;
beforeAll(async () => {
  t = await createTestApp({ label: 'reconcile' });
  jobs = testQueues(t.env);
  op = await signIn(t.app, 'operator1');
});
afterAll(async () => {
  await jobs?.close();
  await t?.close();
});

const inject = (method: 'PUT' | 'POST', url: string, payload: Record<string, unknown>) =>
  t.app.inject({ method, url, payload, headers: { cookie: op, 'sec-fetch-site': 'same-origin' } });

async function urgentReferral(): Promise<string> {
  const k = crypto.randomUUID();
  const save = await inject('PUT', `/api/consultations/${k}`, {
    baseRevision: 0,
    channel: 'call_back',
    data: {
      contactKind: 'about_self',
      survivor: { region: 'KG-GB' },
      consent: { referral: 'yes' },
    },
    secret: { notes: '', codeWord: '', ifCallDrops: '' },
  });
  expect(save.statusCode).toBe(201);
  const { rows } = await t.db.pool.query<{ id: string }>(
    "SELECT id FROM partner_orgs WHERE channel = 'portal' AND active ORDER BY slug LIMIT 1",
  );
  const id = crypto.randomUUID();
  const res = await inject('POST', '/api/referrals', {
    id,
    consultationId: k,
    partnerId: rows[0]?.id,
    urgency: 'urgent',
    consent: { basis: 'caller_consent' },
    fields: ['region'],
  });
  expect(res.statusCode).toBe(201);
  return id;
}

describe('the reconciler', () => {
  it('adds back the delivery and escalation jobs Redis lost, at the times PostgreSQL holds, once', async () => {
    const id = await urgentReferral();
    // The server added both after the commit.
    expect(await jobs.queues.referrals.getJobState(jobIds.deliver(id))).toBe('prioritized');
    expect(await jobs.queues.timers.getJobState(jobIds.escalate(id))).toBe('delayed');

    // Redis loses them (only this test's keys: its prefix is its own).
    await jobs.remove('referral.deliver', [jobIds.deliver(id)]);
    await jobs.remove('referral.escalate', [jobIds.escalate(id)]);
    expect(await jobs.queues.referrals.getJobState(jobIds.deliver(id))).toBe('unknown');

    // Work younger than the grace period is left to the producer's fast path.
    expect((await reconcile(t.db.pool, jobs, 6)).added).toBe(0);
    await t.db.pool.query(
      "UPDATE referrals SET created_at = created_at - interval '10 seconds', updated_at = updated_at - interval '10 seconds' WHERE id = $1",
      [id],
    );
    const first = await reconcile(t.db.pool, jobs, 6);
    expect(first).toEqual({ checked: 2, added: 2 });
    const delivery = await jobs.queues.referrals.getJob(jobIds.deliver(id));
    expect(delivery?.data).toEqual({ referralId: id });
    expect(delivery?.opts.priority).toBe(1);
    expect(delivery?.opts.attempts).toBe(6);
    const escalation = await jobs.queues.timers.getJob(jobIds.escalate(id));
    expect(await escalation?.getState()).toBe('delayed');
    const { rows } = await t.db.pool.query<{ escalate_at: Date }>(
      'SELECT escalate_at FROM referrals WHERE id = $1',
      [id],
    );
    const dueAt = (escalation?.timestamp ?? 0) + (escalation?.delay ?? 0);
    expect(Math.abs(dueAt - (rows[0]?.escalate_at.getTime() ?? 0))).toBeLessThan(1000);

    // Held now: a second run adds nothing, and no job is doubled.
    expect(await reconcile(t.db.pool, jobs, 6)).toEqual({ checked: 2, added: 0 });
    expect(await jobs.queues.referrals.getJobCountByTypes('waiting', 'prioritized', 'delayed')).toBe(1);

    // A job that finished while its referral is pending again (a retried one) is replaced by a new one.
    const noop = new Worker('referrals', async () => undefined, {
      connection: redisConnection(t.env.REDIS_URL),
      prefix: bullPrefix(t.env.REDIS_PREFIX),
    });
    try {
      await vi.waitFor(
        async () => expect(await jobs.queues.referrals.getJobState(jobIds.deliver(id))).toBe('completed'),
        { timeout: 10_000, interval: 50 },
      );
    } finally {
      await noop.close();
    }
    expect(await reconcile(t.db.pool, jobs, 6)).toEqual({ checked: 2, added: 1 });
    expect(await jobs.queues.referrals.getJobState(jobIds.deliver(id))).toBe('prioritized');

    // A referral no longer pending (acknowledged) is not reconciled.
    await t.db.pool.query("UPDATE referrals SET status = 'acknowledged' WHERE id = $1", [id]);
    expect(await reconcile(t.db.pool, jobs, 6)).toEqual({ checked: 0, added: 0 });
  });

  it('gives a wrap-up whose job was lost its end again', async () => {
    const { rows } = await t.db.pool.query<{ id: string }>(
      "SELECT id FROM users WHERE username = 'operator2'",
    );
    const userId = rows[0]?.id as string;
    const since = new Date(Date.now() - 30_000);
    const ends = new Date(Date.now() + 60_000);
    await t.db.pool.query(
      `INSERT INTO operator_states (user_id, status, since, wrap_up_ends_at) VALUES ($1, 'wrap_up', $2, $3)
       ON CONFLICT (user_id) DO UPDATE SET status = 'wrap_up', since = $2, wrap_up_ends_at = $3`,
      [userId, since, ends],
    );
    expect((await reconcile(t.db.pool, jobs, 6)).added).toBe(1);
    const job = await jobs.queues.timers.getJob(jobIds.wrapUpEnd(userId, since));
    expect(job?.data).toEqual({ userId, since: since.toISOString() });
    expect(Math.abs((job?.timestamp ?? 0) + (job?.delay ?? 0) - ends.getTime())).toBeLessThan(1000);
  });
});
