import {
  createTestApp,
  type ShiftedClock,
  shiftedClock,
  signIn,
  startTestWorker,
  startWebhookPartner,
  type TestApp,
  testQueues,
} from '@korgon/dev/testing';
import { type BoardAttention, jobIds } from '@korgon/domain';
import type { JobQueues } from '@korgon/jobs';
import type { WorkerHandle } from '@korgon/worker';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

/**
 * `GET /api/board/attention` on real PostgreSQL, Redis and worker: each list gets its item from rows made
 * through the API (an assessment, referrals that stay unacknowledged, fail or are escalated, a follow-up whose
 * time runs out on a clock the test moves), and the body carries no free text.
 */
let t: TestApp;
let worker: WorkerHandle;
let jobs: JobQueues;
let clock: ShiftedClock;
let partnerSystem: Awaited<ReturnType<typeof startWebhookPartner>>;
let webhookSecret = '';
const cookies: Record<string, string> = {};
const HOUR = 3_600_000;
// Free text the test writes; none of it may come back from the board.
const NOTES = 'notes-4f1a: she hides at her sister’s';
const MESSAGE = 'message-9c2e: call after six';

/** Bishkek HH:MM an hour ago: the test's shift began then and runs for a day, whatever the time of day. */
function shiftBeganAnHourAgo(): string {
  const d = new Date(Date.now() - HOUR + 6 * HOUR);
  return `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
}

beforeAll(async () => {
  clock = shiftedClock();
  partnerSystem = await startWebhookPartner(() => webhookSecret);
  t = await createTestApp({
    listen: true,
    label: 'board-attention',
    clock,
    env: { BOARD_SHIFTS: shiftBeganAnHourAgo(), REFERRAL_MAX_ATTEMPTS: '1' },
  });
  worker = await startTestWorker(t.databaseUrl, t.env, { clock, webhookTimeoutMs: 500 });
  jobs = testQueues(t.env);
  for (const u of ['operator1', 'supervisor', 'admin', 'partner-crisis-bishkek'])
    cookies[u] = await signIn(t.app, u);
});
afterAll(async () => {
  await jobs?.close();
  await worker?.stop();
  await t?.close();
  await partnerSystem?.close();
});

const api = (user: string, method: 'GET' | 'PUT' | 'POST', url: string, payload?: unknown) =>
  t.app.inject({
    method,
    url,
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    headers: { cookie: cookies[user] ?? '', origin: t.baseUrl },
  });

async function until<T>(what: string, f: () => Promise<T | undefined | null | false>, ms = 30_000) {
  return vi.waitFor(
    async () => {
      const v = await f();
      if (!v) throw new Error(`timed out waiting for ${what}`);
      return v;
    },
    { timeout: ms, interval: 50 },
  );
}

const attention = async () => {
  const res = await api('supervisor', 'GET', '/api/board/attention');
  expect(res.statusCode).toBe(200);
  return { body: res.json() as BoardAttention, text: res.body };
};

const data = {
  contactKind: 'about_self',
  callerRole: 'survivor',
  survivor: { gender: 'female', ageBand: '26-40', region: 'KG-GB' },
  violenceForms: ['physical'],
  servicesGiven: ['crisis_counselling'],
  consent: { statistics: 'yes', referral: 'yes' },
  safetyPlan: { exit_room: true },
};

/** A draft by operator1 with notes, assessed with `answers`. */
async function assessed(answers: Record<string, string>): Promise<string> {
  const id = crypto.randomUUID();
  const save = await api('operator1', 'PUT', `/api/consultations/${id}`, {
    baseRevision: 0,
    channel: 'call',
    data,
    secret: { notes: NOTES, codeWord: '', ifCallDrops: '' },
  });
  expect(save.statusCode).toBe(201);
  const risk = await api('operator1', 'PUT', `/api/consultations/${id}/risk`, {
    methodologyId: 'kg-hotline-risk',
    version: '0.1',
    answers,
  });
  expect(risk.statusCode).toBe(200);
  return id;
}

async function partnerId(slug: string): Promise<string> {
  const { rows } = await t.db.pool.query<{ id: string }>('SELECT id FROM partner_orgs WHERE slug = $1', [
    slug,
  ]);
  return rows[0]?.id as string;
}

async function refer(consultationId: string, partner: string, urgency: 'urgent' | 'standard') {
  const id = crypto.randomUUID();
  const res = await api('operator1', 'POST', '/api/referrals', {
    id,
    consultationId,
    partnerId: partner,
    urgency,
    consent: { basis: 'caller_consent' },
    fields: ['region', 'message'],
    message: MESSAGE,
  });
  expect(res.statusCode).toBe(201);
  return id;
}

const statusOf = async (id: string) =>
  (await t.db.pool.query<{ status: string }>('SELECT status FROM referrals WHERE id = $1', [id])).rows[0]
    ?.status;

describe('GET /api/board/attention', () => {
  it('is the supervisors’: an operator is refused, and so is nobody', async () => {
    expect((await api('operator1', 'GET', '/api/board/attention')).statusCode).toBe(403);
    expect((await api('admin', 'GET', '/api/board/attention')).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/api/board/attention' })).statusCode).toBe(401);
  });

  it('lists the shift’s high and critical consultations, critical first, with their operator', async () => {
    const low = await assessed({ isolated: 'yes' });
    const high = await assessed({ strangulation: 'yes' });
    const critical = await assessed({ present_danger_now: 'yes' });
    const { body } = await attention();
    const ids = body.highRisk.map((k) => k.consultationId);
    expect(ids).toContain(high);
    expect(ids).toContain(critical);
    expect(ids).not.toContain(low);
    expect(ids.indexOf(critical)).toBeLessThan(ids.indexOf(high));
    const item = body.highRisk.find((k) => k.consultationId === critical);
    expect(item).toMatchObject({
      level: 'critical',
      status: 'draft',
      operator: { displayName: expect.any(String) },
    });
    expect(item?.reference).toMatch(/^K-\d{4}-\d{6}$/);

    // Its latest assessment is what counts: reassessed as low, it leaves the list.
    const again = await api('operator1', 'PUT', `/api/consultations/${high}/risk`, {
      methodologyId: 'kg-hotline-risk',
      version: '0.1',
      answers: { isolated: 'yes' },
    });
    expect(again.statusCode).toBe(200);
    expect((await attention()).body.highRisk.map((k) => k.consultationId)).not.toContain(high);
  });

  it('lists urgent referrals awaiting acknowledgement with their deadline, and escalated and failed ones apart', async () => {
    const from = await assessed({ strangulation: 'yes' });
    const crisis = await partnerId('crisis-kg-gb');
    const shelter = await partnerId('shelter-bishkek');
    const waiting = await refer(from, crisis, 'urgent');
    const standard = await refer(from, crisis, 'standard');
    const escalating = await refer(from, shelter, 'urgent');
    await until('delivery to the portal', async () => (await statusOf(escalating)) === 'delivered');
    await (await jobs.queues.timers.getJob(jobIds.escalate(escalating)))?.promote();
    await until('escalation', async () => (await statusOf(escalating)) === 'escalated');

    // A webhook partner whose system answers 500: with one attempt allowed, the referral fails.
    const created = await api('admin', 'POST', '/api/admin/partners', {
      slug: 'attention-webhook',
      name: { ky: 'Кризистик борбор (API)', ru: 'Кризисный центр (API)', en: 'Crisis centre (API)' },
      type: 'crisis_centre',
      regions: ['KG-GB'],
      channel: 'webhook',
      webhookUrl: partnerSystem.url,
    });
    expect(created.statusCode).toBe(201);
    const webhook = (created.json() as { id: string }).id;
    webhookSecret = (await api('admin', 'POST', `/api/admin/partners/${webhook}/webhook-secret`)).json()
      .secret;
    partnerSystem.setMode('error');
    const failing = await refer(from, webhook, 'standard');
    await until('failure', async () => (await statusOf(failing)) === 'failed');

    const { body, text } = await attention();
    const urgent = body.urgentReferrals.find((r) => r.referralId === waiting);
    expect(urgent).toMatchObject({
      consultationId: from,
      partner: { id: crisis, type: 'crisis_centre' },
      escalateAt: expect.any(String),
    });
    expect(urgent?.reference).toMatch(/^R-\d{4}-\d{6}$/);
    // 15 minutes by default after it was sent.
    expect(Date.parse(urgent?.escalateAt ?? '') - Date.parse(urgent?.sentAt ?? '')).toBeGreaterThan(
      14 * 60_000,
    );
    const urgentIds = body.urgentReferrals.map((r) => r.referralId);
    expect(urgentIds).not.toContain(standard);
    expect(urgentIds).not.toContain(escalating);

    const troubled = Object.fromEntries(body.failedOrEscalated.map((r) => [r.referralId, r]));
    expect(troubled[escalating]).toMatchObject({
      state: 'escalated',
      urgency: 'urgent',
      partner: { id: shelter },
    });
    expect(troubled[failing]).toMatchObject({
      state: 'failed',
      urgency: 'standard',
      partner: { id: webhook },
    });
    expect(troubled[standard]).toBeUndefined();
    // The delivery error stays on the referral: the board names the state only.
    const { rows } = await t.db.pool.query<{ last_error: string }>(
      'SELECT last_error FROM referrals WHERE id = $1',
      [failing],
    );
    expect(rows[0]?.last_error).toBeTruthy();
    expect(text).not.toContain(rows[0]?.last_error ?? '');

    // Redirected (the failed one) and acknowledged (the waiting one): both leave their lists.
    const redirect = await api('supervisor', 'POST', `/api/referrals/${failing}/redirect`, {
      partnerId: crisis,
      newId: crypto.randomUUID(),
    });
    expect(redirect.statusCode).toBe(200);
    // The crisis centre's staff acknowledge it in their portal.
    await until('delivery of the waiting one', async () => (await statusOf(waiting)) === 'delivered');
    const ack = await api('partner-crisis-bishkek', 'POST', `/api/partner/referrals/${waiting}/status`, {
      status: 'acknowledged',
    });
    expect(ack.statusCode).toBe(200);
    const after = (await attention()).body;
    expect(after.failedOrEscalated.map((r) => r.referralId)).not.toContain(failing);
    expect(after.urgentReferrals.map((r) => r.referralId)).not.toContain(waiting);
  });

  it('lists follow-ups whose time ran out, with who holds them, once they are overdue', async () => {
    const id = crypto.randomUUID();
    const due = new Date(clock.now().getTime() + 10 * 60_000).toISOString();
    const save = await api('operator1', 'PUT', `/api/consultations/${id}`, {
      baseRevision: 0,
      channel: 'call',
      data: { ...data, followUp: { agreed: true, due } },
      secret: { notes: NOTES, codeWord: '', ifCallDrops: '' },
    });
    expect(save.statusCode).toBe(201);
    expect(
      (await api('operator1', 'POST', `/api/consultations/${id}/finalize`, { revision: 1 })).statusCode,
    ).toBe(200);
    const { rows } = await t.db.pool.query<{ id: string }>(
      "SELECT id FROM follow_ups WHERE consultation_id = $1 AND kind = 'callback'",
      [id],
    );
    const followUpId = rows[0]?.id as string;
    expect(followUpId).toBeTruthy();
    expect((await attention()).body.overdueFollowUps.map((f) => f.followUpId)).not.toContain(followUpId);

    // No safe window: overdue two hours after it comes up.
    clock.shift(2 * HOUR + 15 * 60_000);
    const { body, text } = await attention();
    const item = body.overdueFollowUps.find((f) => f.followUpId === followUpId);
    expect(item).toMatchObject({
      consultationId: id,
      kind: 'callback',
      overdueSince: new Date(Date.parse(due) + 2 * HOUR).toISOString(),
      assignee: { displayName: expect.any(String) },
    });
    expect(item?.consultationReference).toMatch(/^K-\d{4}-\d{6}$/);
    expect(Date.parse(body.at)).toBeGreaterThanOrEqual(Date.parse(due) + 2 * HOUR);
    // Nothing a person wrote, nor anything about the caller, is in the board's lists.
    for (const free of [NOTES, MESSAGE, 'KG-GB', 'caller', 'notes', 'message', 'reason'])
      expect(text).not.toContain(free);
  });
});
