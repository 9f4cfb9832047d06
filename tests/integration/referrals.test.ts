import {
  connectConsole,
  createTestApp,
  dumpDatabaseText,
  signIn,
  startSmtp,
  startTestWorker,
  startWebhookPartner,
  type TestApp,
  testQueues,
} from '@korgon/dev/testing';
import {
  type BoardAlert,
  jobIds,
  KG_HOTLINE_RISK_0_1,
  type PartnerReferral,
  type Referral,
} from '@korgon/domain';
import type { JobQueues } from '@korgon/jobs';
import { sealLegacyRejectionReasons } from '@korgon/referrals';
import { sealKeyFrom, signedHeaders, signedRequestHeaders } from '@korgon/signing';
import type { WorkerHandle } from '@korgon/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let t: TestApp;
let worker: WorkerHandle;
let jobs: JobQueues;

/** Every job the app's queues hold, in any state. */
async function jobCount(): Promise<number> {
  let n = 0;
  for (const q of Object.values(jobs.queues))
    n += await q.getJobCountByTypes('waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed');
  return n;
}
let smtp: Awaited<ReturnType<typeof startSmtp>>;
let webhookSecret = '';
let partnerSystem: Awaited<ReturnType<typeof startWebhookPartner>>;
let op: string;
let sup: string;
let admin: string;
const ids: Record<string, string> = {};

const api = (cookie: string | null, method: string, path: string, body?: unknown) =>
  fetch(`${t.baseUrl}${path}`, {
    method,
    headers: {
      ...(cookie ? { cookie } : {}),
      origin: t.baseUrl,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).then(async (r) => ({ status: r.status, json: await r.json().catch(() => null) }));

async function until<T>(
  what: string,
  f: () => Promise<T | undefined | null | false>,
  ms = 20_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const statusOf = async (id: string) =>
  (await t.db.pool.query('SELECT status FROM referrals WHERE id = $1', [id])).rows[0]?.status as
    | string
    | undefined;

/** A consultation by operator1 with consent to refer, region Bishkek, high risk. */
async function consultation(consent: 'yes' | 'no' = 'yes'): Promise<string> {
  const id = crypto.randomUUID();
  const save = await api(op, 'PUT', `/api/consultations/${id}`, {
    baseRevision: 0,
    channel: 'call_back',
    data: {
      contactKind: 'about_self',
      survivor: { region: 'KG-GB', ageBand: '26-40', gender: 'female' },
      violenceForms: ['physical', 'threats'],
      consent: { referral: consent },
      safeContact: { callbackFrom: '18:00', callbackTo: '20:00' },
    },
    secret: { notes: 'private notes that never leave Korgon', codeWord: '', ifCallDrops: '' },
  });
  expect(save.status).toBe(201);
  await api(op, 'PUT', `/api/consultations/${id}/risk`, {
    methodologyId: 'kg-hotline-risk',
    version: '0.1',
    answers: { strangulation: 'yes' },
  });
  return id;
}

beforeAll(async () => {
  smtp = await startSmtp();
  partnerSystem = await startWebhookPartner(() => webhookSecret);
  t = await createTestApp({ listen: true, label: 'referrals', env: { REFERRAL_MAX_ATTEMPTS: '2' } });
  worker = await startTestWorker(t.databaseUrl, t.env, { smtpUrl: smtp.url, webhookTimeoutMs: 500 });
  jobs = testQueues(t.env);
  [op, sup, admin] = [
    await signIn(t.app, 'operator1'),
    await signIn(t.app, 'supervisor'),
    await signIn(t.app, 'admin'),
  ];
  const webhook = await api(admin, 'POST', '/api/admin/partners', {
    slug: 'crisis-webhook',
    name: { ky: 'Кризистик борбор (API)', ru: 'Кризисный центр (API)', en: 'Crisis centre (API)' },
    type: 'crisis_centre',
    regions: ['KG-GB'],
    channel: 'webhook',
    webhookUrl: partnerSystem.url,
  });
  expect(webhook.status).toBe(201);
  ids.webhook = webhook.json.id;
  const secret = await api(admin, 'POST', `/api/admin/partners/${ids.webhook}/webhook-secret`);
  webhookSecret = secret.json.secret;
  const email = await api(admin, 'POST', '/api/admin/partners', {
    slug: 'shelter-mail',
    name: { ky: 'Баш калкалоочу жай (почта)', ru: 'Убежище (почта)', en: 'Shelter (mail)' },
    type: 'shelter',
    regions: ['KG-GB'],
    channel: 'email',
    email: 'intake@shelter.example.kg',
  });
  ids.email = email.json.id;
  ids.portal = (await t.db.pool.query("SELECT id FROM partner_orgs WHERE slug = 'police-kg-gb'")).rows[0].id;
});
afterAll(async () => {
  await jobs?.close();
  await worker?.stop();
  await t?.close();
  await partnerSystem?.close();
  await smtp?.close();
});

const refer = (consultationId: string, partnerId: string, extra: object = {}) =>
  api(op, 'POST', '/api/referrals', {
    id: crypto.randomUUID(),
    consultationId,
    partnerId,
    urgency: 'urgent',
    consent: { basis: 'caller_consent' },
    fields: ['region', 'riskLevel', 'safeContact', 'message'],
    message: 'She can talk after 18:00; ask for Aigul.',
    ...extra,
  });

describe('partners', () => {
  it('admins keep the registry; a bad partner gets 400 naming the field; others cannot change it', async () => {
    const bad = await api(admin, 'POST', '/api/admin/partners', {
      slug: 'x-y',
      name: { ky: 'a', ru: 'a', en: 'a' },
      type: 'police',
      regions: ['KG-GB'],
      channel: 'webhook',
    });
    expect(bad.status).toBe(400);
    expect(bad.json.issues).toContainEqual({
      path: 'body.webhookUrl',
      message: 'a webhook partner needs its webhook URL',
    });
    expect((await api(op, 'POST', '/api/admin/partners', {})).status).toBe(403);
    const list = await api(op, 'GET', '/api/partners');
    expect(list.json.map((p: { slug: string }) => p.slug)).toEqual(
      expect.arrayContaining(['crisis-webhook', 'police-kg-gb', 'single-window-bishkek']),
    );
    expect(JSON.stringify(list.json)).not.toContain(webhookSecret);
  });
});

describe('sending a referral', () => {
  it('is refused without the caller’s consent, storing nothing and queueing no job', async () => {
    const k = await consultation('no');
    const before = await jobCount();
    const res = await refer(k, ids.webhook as string);
    expect(res.status).toBe(400);
    expect(res.json.message).toMatch(/has not consented/);
    expect(
      Number(
        (await t.db.pool.query('SELECT count(*) FROM referrals WHERE consultation_id = $1', [k])).rows[0]
          .count,
      ),
    ).toBe(0);
    expect(await jobCount()).toBe(before);
  });

  it('over a signed webhook: delivered once with the chosen content only, pushed live, acknowledged by the signed callback', async () => {
    const opSocket = await connectConsole(t.baseUrl, op);
    const seen: Referral[] = [];
    opSocket.on('referral:changed', (r) => seen.push(r));
    const k = await consultation();
    const res = await refer(k, ids.webhook as string);
    expect(res.status).toBe(201);
    const id = res.json.id as string;
    expect(res.json.status).toBe('queued');
    // A retried send returns the same referral.
    const again = await api(op, 'POST', '/api/referrals', {
      id,
      consultationId: k,
      partnerId: ids.webhook,
      urgency: 'urgent',
      consent: { basis: 'caller_consent' },
      fields: ['region'],
    });
    expect(again.status).toBe(200);
    await until('delivery', async () => (await statusOf(id)) === 'delivered');
    const effect = partnerSystem.effects.get(id);
    expect(effect?.signatureOk).toBe(true);
    // The partner gets the referral's reference to quote when calling the line back.
    expect(res.json.reference).toMatch(/^R-\d{4}-\d{6}$/);
    expect(effect?.body.reference).toBe(res.json.reference);
    expect(effect?.body.content).toEqual({
      region: 'KG-GB',
      riskLevel: 'high',
      safeContact: { callbackFrom: '18:00', callbackTo: '20:00' },
      message: 'She can talk after 18:00; ask for Aigul.',
    });
    expect(JSON.stringify(effect?.body)).not.toContain('private notes');
    expect(JSON.stringify(effect?.body)).not.toContain('physical');
    await until('live push', async () => seen.some((r) => r.id === id && r.status === 'delivered'));
    // The escalation waits as a delayed job, due at the deadline stored with the referral.
    const escalation = await jobs.queues.timers.getJob(jobIds.escalate(id));
    expect(await escalation?.getState()).toBe('delayed');
    const deadline = (await t.db.pool.query('SELECT escalate_at FROM referrals WHERE id = $1', [id])).rows[0]
      .escalate_at as Date;
    expect(
      Math.abs((escalation?.timestamp ?? 0) + (escalation?.delay ?? 0) - deadline.getTime()),
    ).toBeLessThan(1000);

    const body = JSON.stringify({ status: 'acknowledged' });
    const unsigned = await fetch(effect?.body.statusUrl as string, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(unsigned.status).toBe(401);
    // Signed over the body alone (the old contract), it is refused.
    const bodyOnly = await fetch(effect?.body.statusUrl as string, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signedHeaders(webhookSecret, body) },
      body,
    });
    expect(bodyOnly.status).toBe(401);
    // Signed for this referral, and replayed at once against another of the same partner: refused, and
    // the other referral is unchanged.
    const other = await refer(await consultation(), ids.webhook as string);
    const otherId = other.json.id as string;
    await until('the other delivery', async () => (await statusOf(otherId)) === 'delivered');
    const statusPath = new URL(effect?.body.statusUrl as string).pathname;
    const signed = signedRequestHeaders(webhookSecret, 'POST', statusPath, body);
    const replayed = await fetch(`${t.baseUrl}/api/partners/referrals/${otherId}/status`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signed },
      body,
    });
    expect(replayed.status).toBe(401);
    const refusal = (await replayed.json()).message as string;
    expect(refusal).toMatch(/not signed correctly/);
    expect(await statusOf(otherId)).toBe('delivered');
    // An unknown referral gets the same answer as a bad signature; an id that is not a UUID is named.
    const unknown = await fetch(`${t.baseUrl}/api/partners/referrals/${crypto.randomUUID()}/status`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signed },
      body,
    });
    expect(unknown.status).toBe(401);
    expect((await unknown.json()).message).toBe(refusal);
    const notUuid = await fetch(`${t.baseUrl}/api/partners/referrals/not-a-uuid/status`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signed },
      body,
    });
    expect(notUuid.status).toBe(400);
    expect((await notUuid.json()).issues).toEqual([{ path: 'params.id', message: 'must be a UUID' }]);

    const ack = await fetch(effect?.body.statusUrl as string, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signed },
      body,
    });
    expect(ack.status).toBe(200);
    expect(await statusOf(id)).toBe('acknowledged');
    expect(await jobs.queues.timers.getJobState(jobIds.escalate(id))).toBe('unknown');
    await until('acknowledged push', async () =>
      seen.some((r) => r.id === id && r.status === 'acknowledged'),
    );
    const events = (await api(op, 'GET', `/api/referrals/${id}`)).json.events.map(
      (e: { status: string }) => e.status,
    );
    expect(events).toEqual(['queued', 'sent', 'delivered', 'acknowledged']);
    opSocket.close();
  });

  it('by e-mail: a real SMTP server receives a one-time link that acknowledges once', async () => {
    const res = await refer(await consultation(), ids.email as string);
    const id = res.json.id as string;
    const mail = await until('mail', async () => smtp.mails.find((m) => m.referralId === id));
    expect(mail.to).toBe('intake@shelter.example.kg');
    expect(mail.text).toContain(res.json.reference);
    expect(mail.text).not.toContain('Aigul');
    const link = /https?:\/\/\S+\/api\/partners\/ack\/\S+/.exec(mail.text)?.[0] as string;
    const local = link.replace(/^https?:\/\/[^/]+/, t.baseUrl);
    await until('delivered', async () => (await statusOf(id)) === 'delivered');
    const page = await fetch(local);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form method="post"');
    // Opening the page changes nothing.
    expect(await statusOf(id)).toBe('delivered');
    const post = await fetch(local, { method: 'POST', headers: { origin: t.baseUrl } });
    expect(post.status).toBe(200);
    expect(await statusOf(id)).toBe('acknowledged');
    expect((await fetch(local)).status).toBe(404);
  });

  it('through the portal: only the partner’s own staff see it; they acknowledge, accept and finish it', async () => {
    const res = await refer(await consultation(), ids.portal as string);
    const id = res.json.id as string;
    await until('portal delivery', async () => (await statusOf(id)) === 'delivered');
    const partner = await signIn(t.app, 'partner-police-bishkek');
    const inbox = await api(partner, 'GET', '/api/partner/referrals');
    const mine = (inbox.json as PartnerReferral[]).find((r) => r.id === id);
    expect(mine?.content).toMatchObject({ region: 'KG-GB', riskLevel: 'high' });
    expect(mine?.reference).toBe(res.json.reference);
    // Not the consultation's reference: the partner learns nothing about the hotline's record.
    expect(JSON.stringify(inbox.json)).not.toContain(res.json.consultationReference);
    expect(JSON.stringify(inbox.json)).not.toContain(
      (await api(op, 'GET', `/api/referrals/${id}`)).json.consultationId,
    );
    expect((await api(partner, 'GET', '/api/referrals')).status).toBe(403);
    const reject = await api(partner, 'POST', `/api/partner/referrals/${id}/status`, { status: 'rejected' });
    expect(reject.status).toBe(400);
    for (const status of ['acknowledged', 'accepted'])
      expect((await api(partner, 'POST', `/api/partner/referrals/${id}/status`, { status })).status).toBe(
        200,
      );
    const done = await api(partner, 'POST', `/api/partner/referrals/${id}/status`, {
      status: 'done',
      outcome: 'Protection order issued',
    });
    expect(done.json).toMatchObject({ status: 'done', outcome: 'Protection order issued' });
    const raw = await t.db.pool.query('SELECT outcome_sealed FROM referrals WHERE id = $1', [id]);
    expect(raw.rows[0].outcome_sealed.toString('utf8')).not.toContain('Protection order');
    // Another partner's referral is not there for them.
    const other = await refer(await consultation(), ids.webhook as string);
    expect(
      (
        await api(partner, 'POST', `/api/partner/referrals/${other.json.id}/status`, {
          status: 'acknowledged',
        })
      ).status,
    ).toBe(404);
  });

  it('seals a partner’s rejection reason at rest; staff and partner read it; one stored in clear earlier is sealed once', async () => {
    const partner = await signIn(t.app, 'partner-police-bishkek');
    const REASON = 'Жабырлануучу Токтогул көчөсүндө жашайт, биздин аймак эмес';
    const res = await refer(await consultation(), ids.portal as string);
    const id = res.json.id as string;
    await until('portal delivery', async () => (await statusOf(id)) === 'delivered');
    const rejected = await api(partner, 'POST', `/api/partner/referrals/${id}/status`, {
      status: 'rejected',
      reason: REASON,
    });
    expect(rejected.status).toBe(200);
    expect(rejected.json.rejectionReason).toBe(REASON);
    const staff = (await api(op, 'GET', `/api/referrals/${id}`)).json as Referral;
    expect(staff.rejectionReason).toBe(REASON);
    expect(staff.events.at(-1)).toMatchObject({
      status: 'rejected',
      note: 'reason given (sealed with the referral)',
    });
    const stored = await t.db.pool.query(
      'SELECT rejection_reason, rejection_reason_sealed FROM referrals WHERE id = $1',
      [id],
    );
    expect(stored.rows[0].rejection_reason).toBeNull();
    expect(stored.rows[0].rejection_reason_sealed.toString('utf8')).not.toContain('Токтогул');
    expect((await dumpDatabaseText(t.databaseUrl)).text).not.toContain('Токтогул көчөсүндө');

    // A rejection stored in clear before sealing existed (the referral and its event): sealed at the worker's start.
    const OLD = 'Эски себеп: Ош шаарында, Ленин көчөсү';
    const old = (await refer(await consultation(), ids.portal as string)).json.id as string;
    await until('portal delivery', async () => (await statusOf(old)) === 'delivered');
    await t.db.pool.query(`UPDATE referrals SET status = 'rejected', rejection_reason = $2 WHERE id = $1`, [
      old,
      OLD,
    ]);
    await t.db.pool.query(
      `INSERT INTO referral_events (referral_id, status, actor, details) VALUES ($1, 'rejected', 'portal', $2)`,
      [old, JSON.stringify({ note: OLD })],
    );
    const key = sealKeyFrom(t.env.NOTES_ENCRYPTION_KEY, Number(t.env.NOTES_KEY_VERSION ?? 1));
    expect(await sealLegacyRejectionReasons(t.db.pool, key)).toBe(1);
    expect(await sealLegacyRejectionReasons(t.db.pool, key)).toBe(0);
    expect(((await api(op, 'GET', `/api/referrals/${old}`)).json as Referral).rejectionReason).toBe(OLD);
    expect((await dumpDatabaseText(t.databaseUrl)).text).not.toContain('Ленин көчөсү');
  });

  it('under a consent exception: needs a reason, alerts the supervisors, and is audited', async () => {
    const supSocket = await connectConsole(t.baseUrl, sup);
    const alerts: BoardAlert[] = [];
    supSocket.on('alert:changed', (a) => alerts.push(a));
    const k = await consultation('no');
    const noReason = await refer(k, ids.portal as string, {
      consent: { exception: 'child_at_risk', reason: '' },
    });
    expect(noReason.status).toBe(400);
    const res = await refer(k, ids.portal as string, {
      consent: { exception: 'child_at_risk', reason: 'The child was beaten today and is alone with him' },
    });
    expect(res.status).toBe(201);
    const alert = await until('exception alert', async () =>
      alerts.find((a) => a.referral?.id === res.json.id && a.kind === 'consent_exception'),
    );
    // The exception's kind, never its reason (free text).
    expect(alert.referral?.consentException).toBe('child_at_risk');
    expect(JSON.stringify(alert)).not.toContain('beaten');
    const audit = await t.db.pool.query(
      "SELECT count(*) FROM audit_log WHERE action = 'referral.consent_exception' AND target_id = $1",
      [res.json.id],
    );
    expect(Number(audit.rows[0].count)).toBe(1);
    supSocket.close();
  });
});

describe('when a partner does not answer', () => {
  it('a partner answering 500 is retried, then failed with the reason and the supervisors alerted; a retry delivers', async () => {
    const supSocket = await connectConsole(t.baseUrl, sup);
    const alerts: BoardAlert[] = [];
    supSocket.on('alert:changed', (a) => alerts.push(a));
    partnerSystem.setMode('error');
    const res = await refer(await consultation(), ids.webhook as string);
    const id = res.json.id as string;
    await until('failure', async () => (await statusOf(id)) === 'failed', 40_000);
    const failed = await api(op, 'GET', `/api/referrals/${id}`);
    expect(failed.json).toMatchObject({
      status: 'failed',
      attempts: 2,
      lastError: 'the partner answered 500',
    });
    const alert = await until('failure alert', async () =>
      alerts.find((a) => a.referral?.id === id && a.kind === 'referral_failed' && a.state === 'open'),
    );
    expect(alert).toMatchObject({
      referral: { reference: res.json.reference },
      consultation: { reference: res.json.consultationReference },
    });
    partnerSystem.setMode('ok');
    expect((await api(op, 'POST', `/api/referrals/${id}/retry`)).status).toBe(200);
    await until('redelivery', async () => (await statusOf(id)) === 'delivered');
    await until('the failure alert resolved', async () =>
      alerts.find((a) => a.id === alert.id && a.state === 'resolved'),
    );
    supSocket.close();
  });

  it('a partner that never answers times out, and the referral fails', async () => {
    partnerSystem.setMode('hang');
    const res = await refer(await consultation(), ids.webhook as string);
    await until('failure', async () => (await statusOf(res.json.id)) === 'failed', 40_000);
    expect((await api(op, 'GET', `/api/referrals/${res.json.id}`)).json.lastError).toBe(
      'the partner did not answer within 500 ms',
    );
    partnerSystem.setMode('ok');
  });

  it('an urgent referral not acknowledged in time is escalated and alerts the supervisors; redirecting to a suggested partner sends it there', async () => {
    const supSocket = await connectConsole(t.baseUrl, sup);
    const alerts: BoardAlert[] = [];
    supSocket.on('alert:changed', (a) => alerts.push(a));
    const res = await refer(await consultation(), ids.portal as string);
    const id = res.json.id as string;
    await until('delivery', async () => (await statusOf(id)) === 'delivered');
    // Fifteen minutes pass: the delayed job comes due.
    await (await jobs.queues.timers.getJob(jobIds.escalate(id)))?.promote();
    await until('escalation', async () => (await statusOf(id)) === 'escalated');
    const alert = await until('escalation alert', async () =>
      alerts.find((a) => a.referral?.id === id && a.kind === 'referral_escalated'),
    );
    expect(alert.referral?.reference).toBe(res.json.reference);
    // The board suggests the consultation's next suitable partner (as the consultation's referrals do).
    const suggestions = await api(
      sup,
      'GET',
      `/api/referrals/suggestions?consultationId=${alert.consultation?.id}`,
    );
    const next = (suggestions.json as { partnerId: string }[]).find(
      (p) => p.partnerId !== alert.referral?.partner.id,
    );
    expect(next).toBeDefined();
    const redirected = await api(sup, 'POST', `/api/referrals/${id}/redirect`, {
      partnerId: next?.partnerId,
      newId: crypto.randomUUID(),
    });
    expect(redirected.status).toBe(200);
    expect(redirected.json.partner.id).toBe(next?.partnerId);
    expect(await statusOf(id)).toBe('revoked');
    await until('the escalation alert resolved', async () =>
      alerts.find((a) => a.id === alert.id && a.state === 'resolved'),
    );
    supSocket.close();
  });
});

describe('edge cases', () => {
  it('sends the settlement only as a key of the taxonomy: other text in a draft is refused with 400 naming it', async () => {
    const draft = async (settlement: string) => {
      const id = crypto.randomUUID();
      const save = await api(op, 'PUT', `/api/consultations/${id}`, {
        baseRevision: 0,
        channel: 'call_back',
        data: {
          contactKind: 'about_self',
          survivor: { region: 'KG-GB', settlement },
          consent: { referral: 'yes' },
        },
        secret: { notes: '', codeWord: '', ifCallDrops: '' },
      });
      expect(save.status).toBe(201);
      return id;
    };
    // A draft saved through the API may hold any text (an address, even); it is checked only at finalizing.
    const typed = await draft('Ош, Ленина 5, кв. 12');
    const before = await jobCount();
    const refused = await refer(typed, ids.portal as string, {
      fields: ['region', 'settlement'],
      message: undefined,
    });
    expect(refused.status).toBe(400);
    expect(refused.json.code).toBe('invalid_request');
    expect(refused.json.message).toMatch(/settlement is not one of the choices \(urban, rural, unknown\)/);
    expect(refused.json.issues).toEqual([
      expect.objectContaining({
        path: 'body.fields',
        code: 'unknown_option',
        message: expect.stringMatching(/^settlement: /),
      }),
    ]);
    expect(JSON.stringify(refused.json)).not.toContain('Ленина');
    const stored = await t.db.pool.query(
      'SELECT count(*)::int AS n FROM referrals WHERE consultation_id = $1',
      [typed],
    );
    expect(stored.rows[0].n).toBe(0);
    expect(await jobCount()).toBe(before);
    // Without the settlement the same draft can be referred.
    expect(
      (await refer(typed, ids.portal as string, { fields: ['region'], message: undefined })).status,
    ).toBe(201);

    // One of the taxonomy's choices is sent as its key, as the region is.
    const chosen = await refer(await draft('rural'), ids.portal as string, {
      fields: ['region', 'settlement'],
      message: undefined,
    });
    expect(chosen.status).toBe(201);
    const id = chosen.json.id as string;
    await until('portal delivery', async () => (await statusOf(id)) === 'delivered');
    const partner = await signIn(t.app, 'partner-police-bishkek');
    const inbox = async () =>
      ((await api(partner, 'GET', '/api/partner/referrals')).json as PartnerReferral[]).find(
        (r) => r.id === id,
      );
    expect((await inbox())?.content).toEqual({ region: 'KG-GB', settlement: 'rural' });
    // A referral stored before this rule with other text there: the text never reaches the partner.
    await t.db.pool.query(
      `UPDATE referrals SET content = jsonb_set(content, '{settlement}', '"Ош, Ленина 5"') WHERE id = $1`,
      [id],
    );
    expect((await inbox())?.content).toEqual({ region: 'KG-GB' });
  });

  it('suggests partners for a draft that is still empty, and refuses to refer from it without consent (400, not 500)', async () => {
    const id = crypto.randomUUID();
    await t.db.pool.query(
      `INSERT INTO consultations (id, operator_id, taxonomy_version) SELECT $1, id, 'kg-2026.1' FROM users WHERE username = 'operator1'`,
      [id],
    );
    const suggestions = await api(op, 'GET', `/api/referrals/suggestions?consultationId=${id}`);
    expect(suggestions.status).toBe(200);
    expect(suggestions.json.length).toBeGreaterThan(0);
    const res = await refer(id, ids.portal as string);
    expect(res.status).toBe(400);
  });

  it('suggests the partners the assessment’s own methodology version calls for, not the active version’s', async () => {
    // Another version of the methodology (uploaded, not made active) that sends every level to social protection,
    // which 0.1 calls for at no level.
    const version = '0.1-social';
    const doc = {
      ...KG_HOTLINE_RISK_0_1,
      version,
      actions: Object.fromEntries(
        Object.entries(KG_HOTLINE_RISK_0_1.actions).map(([level, actions]) => [
          level,
          actions.map((a) => ({ ...a, referTo: ['social_protection'] })),
        ]),
      ),
    };
    expect((await api(admin, 'POST', '/api/admin/methodologies', doc)).status).toBe(201);
    const underActive = await consultation();
    const underOther = await consultation();
    const reassessed = await api(op, 'PUT', `/api/consultations/${underOther}/risk`, {
      methodologyId: 'kg-hotline-risk',
      version,
      answers: { strangulation: 'yes' },
    });
    expect(reassessed.status).toBeLessThan(300);
    const { rows: assessed } = await t.db.pool.query<{ version: string; final_level: string }>(
      `SELECT DISTINCT ON (consultation_id) methodology_version AS version, final_level FROM risk_assessments
        WHERE consultation_id = ANY($1::uuid[]) ORDER BY consultation_id, created_at DESC, id DESC`,
      [[underActive, underOther]],
    );
    // The same level under both versions: only the version's actions differ.
    expect(new Set(assessed.map((a) => a.final_level)).size).toBe(1);
    expect(assessed.map((a) => a.version).sort()).toEqual(['0.1', version].sort());

    const calledFor = async (k: string) => {
      const res = await api(op, 'GET', `/api/referrals/suggestions?consultationId=${k}`);
      expect(res.status).toBe(200);
      const list = res.json as { type: string; calledFor: boolean }[];
      return new Set(list.filter((p) => p.calledFor).map((p) => p.type));
    };
    const active = await calledFor(underActive);
    expect(active.has('police')).toBe(true);
    expect(active.has('social_protection')).toBe(false);
    expect([...(await calledFor(underOther))]).toEqual(['social_protection']);
  });

  it('a supervisor’s redirect keeps the operator as the referral’s author; escalation minutes can be read back', async () => {
    const res = await refer(await consultation(), ids.webhook as string);
    const redirected = await api(sup, 'POST', `/api/referrals/${res.json.id}/redirect`, {
      partnerId: ids.portal,
      newId: crypto.randomUUID(),
    });
    expect(redirected.status).toBe(200);
    expect(redirected.json.createdBy.displayName).toBe('Айгүл Асанова');
    expect((await api(op, 'GET', `/api/referrals/${redirected.json.id}`)).status).toBe(200);
    // The domain's EscalationBody: whole minutes up to a day, refused with a 400 otherwise.
    for (const minutes of [0, 1.5, 24 * 60 + 1])
      expect(
        (await api(admin, 'PUT', '/api/admin/partner-types/police/escalation', { minutes })).status,
      ).toBe(400);
    expect(
      (await api(admin, 'PUT', '/api/admin/partner-types/police/escalation', { minutes: 20 })).status,
    ).toBe(200);
    expect((await api(admin, 'GET', '/api/admin/partner-types/escalation')).json).toContainEqual({
      type: 'police',
      minutes: 20,
    });
  });
});
