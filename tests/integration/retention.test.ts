import {
  appRoleUrl,
  createTestApp,
  type ShiftedClock,
  shiftedClock,
  signIn,
  startTestWorker,
  type TestApp,
  testQueues,
} from '@korgon/dev/testing';
import type { Consultation, LegalHold, PartnerReferral, RetentionRun } from '@korgon/domain';
import type { JobQueues } from '@korgon/jobs';
import { seal, sealKeyFrom } from '@korgon/signing';
import { runRetention, type WorkerHandle } from '@korgon/worker';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

/**
 * Retention (docs/security.md "Retention") end to end on real PostgreSQL, Redis and worker, on a clock shared by
 * the server and the worker that the test moves: free text past its period shredded, structured fields and the
 * statistics kept, legal holds, referral content removed after done + N days, every run recorded and audited once,
 * settings changes audited, and the schedule and a queued "Run now" surviving Redis losing them.
 */
let t: TestApp;
let worker: WorkerHandle;
let jobs: JobQueues;
let clock: ShiftedClock;
const cookies: Record<string, string> = {};
const DAY = 24 * 3_600_000;

beforeAll(async () => {
  clock = shiftedClock();
  t = await createTestApp({ label: 'retention', clock });
  worker = await startTestWorker(t.databaseUrl, t.env, { clock });
  jobs = testQueues(t.env);
  for (const u of ['operator1', 'admin', 'supervisor', 'partner-police-bishkek'])
    cookies[u] = await signIn(t.app, u);
});
afterAll(async () => {
  await jobs?.close();
  await worker?.stop();
  await t?.close();
});

const api = (user: string, method: 'GET' | 'PUT' | 'POST' | 'DELETE', url: string, payload?: unknown) =>
  t.app.inject({
    method,
    url,
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    headers: { cookie: cookies[user] ?? '', origin: t.baseUrl },
  });

const complete = {
  contactKind: 'about_self',
  callerRole: 'survivor',
  survivor: { gender: 'female', ageBand: '26-40', region: 'KG-GB' },
  violenceForms: ['physical'],
  servicesGiven: ['crisis_counselling'],
  consent: { statistics: 'yes', referral: 'yes' },
  safeContact: { safeToTalk: 'yes', callbackFrom: '18:00', callbackTo: '20:00' },
  safetyPlan: { exit_room: true },
};
const secret = { notes: 'He took her passport', codeWord: 'apricot', ifCallDrops: 'Call back after 18:00' };

/** A finalized consultation with notes, an override reason and an addendum; finalized `daysAgo` by the clock. */
async function finalized(daysAgo: number) {
  const id = crypto.randomUUID();
  const save = await api('operator1', 'PUT', `/api/consultations/${id}`, {
    baseRevision: 0,
    channel: 'call',
    data: complete,
    secret,
  });
  expect(save.statusCode).toBe(201);
  const risk = await api('operator1', 'PUT', `/api/consultations/${id}/risk`, {
    methodologyId: 'kg-hotline-risk',
    version: '0.1',
    answers: { isolated: 'yes' },
    override: { level: 'high', reason: 'What she could not say' },
  });
  expect(risk.statusCode).toBe(200);
  expect(
    (await api('operator1', 'POST', `/api/consultations/${id}/finalize`, { revision: 1 })).statusCode,
  ).toBe(200);
  expect(
    (await api('operator1', 'POST', `/api/consultations/${id}/addenda`, { text: 'She called her sister' }))
      .statusCode,
  ).toBe(201);
  // Finalized that long ago by the test's clock (the database stamps its own time; only this column moves).
  await t.db.pool.query('UPDATE consultations SET finalized_at = $2 WHERE id = $1', [
    id,
    new Date(clock.now().getTime() - daysAgo * DAY),
  ]);
  const { rows } = await t.db.pool.query<{ reference: string }>(
    'SELECT reference FROM consultations WHERE id = $1',
    [id],
  );
  return { id, reference: rows[0]?.reference as string };
}

/** A referral of the consultation to the police partner, ended (`status`) `daysAgo` by the clock. */
async function referral(consultationId: string, status: string, daysAgo: number) {
  const id = crypto.randomUUID();
  const key = sealKeyFrom(t.env.NOTES_ENCRYPTION_KEY, t.env.NOTES_KEY_VERSION);
  await t.db.pool.query(
    `INSERT INTO referrals (id, consultation_id, partner_org_id, urgency, status, content, message_sealed,
                            outcome_sealed, key_version, created_by)
     SELECT $1, $2, u.partner_org_id, 'standard', $3::referral_status,
            '{"region": "KG-GB", "ageBand": "26-40"}'::jsonb, $4, $5, $6, k.operator_id
       FROM users u, consultations k WHERE u.username = 'partner-police-bishkek' AND k.id = $2`,
    [
      id,
      consultationId,
      status,
      seal(key, `${id}:message`, 'She needs a safe place tonight'),
      seal(key, `${id}:outcome`, 'Placed with her sister'),
      key.version,
    ],
  );
  await t.db.pool.query(
    `INSERT INTO referral_events (referral_id, status, actor, at) VALUES ($1, $2::referral_status, 'test', $3)`,
    [id, status, new Date(clock.now().getTime() - daysAgo * DAY)],
  );
  return id;
}

async function stored(id: string) {
  const { rows } = await t.db.pool.query<{
    notes_ciphertext: Buffer | null;
    notes_shredded_at: Date | null;
    data: Record<string, unknown>;
    status: string;
  }>('SELECT notes_ciphertext, notes_shredded_at, data, status FROM consultations WHERE id = $1', [id]);
  const addenda = await t.db.pool.query<{ text_ciphertext: Buffer | null; shredded_at: Date | null }>(
    'SELECT text_ciphertext, shredded_at FROM consultation_addenda WHERE consultation_id = $1',
    [id],
  );
  const override = await t.db.pool.query<{ override: Record<string, unknown> | null }>(
    'SELECT override FROM risk_assessments WHERE consultation_id = $1',
    [id],
  );
  return { ...rows[0], addenda: addenda.rows, overrides: override.rows.map((r) => r.override) };
}

async function referralStored(id: string) {
  const { rows } = await t.db.pool.query<{
    content: Record<string, unknown>;
    message_sealed: Buffer | null;
    outcome_sealed: Buffer | null;
    content_removed_at: Date | null;
    status: string;
  }>(
    'SELECT content, message_sealed, outcome_sealed, content_removed_at, status FROM referrals WHERE id = $1',
    [id],
  );
  return rows[0];
}

const facts = async () =>
  (await t.db.pool.query('SELECT * FROM statistics_facts ORDER BY consultation_id')).rows;
const dayChanges = async () =>
  (await t.db.pool.query<{ n: string | null }>('SELECT max(id) AS n FROM statistics_day_changes')).rows[0]?.n;
const auditOf = async (action: string) =>
  (
    await t.db.pool.query<{ actor_id: string | null; target_id: string; details: Record<string, unknown> }>(
      'SELECT actor_id, target_id, details FROM audit_log WHERE action = $1 ORDER BY id',
      [action],
    )
  ).rows;

/** "Run now" through the admin route, then the run's row once the worker finished it. */
async function runNow(): Promise<RetentionRun> {
  const res = await api('admin', 'POST', '/api/admin/retention/runs');
  expect(res.statusCode).toBe(202);
  const queued = res.json() as RetentionRun;
  expect(queued).toMatchObject({ trigger: 'manual', status: 'queued' });
  let done: RetentionRun | undefined;
  await vi.waitFor(
    async () => {
      const runs = (await api('admin', 'GET', '/api/admin/retention/runs')).json() as RetentionRun[];
      done = runs.find((r) => r.id === queued.id);
      expect(done?.status).toBe('succeeded');
    },
    { timeout: 20_000, interval: 200 },
  );
  return done as RetentionRun;
}

describe('retention', () => {
  let past: { id: string; reference: string };
  let recent: { id: string; reference: string };
  let held: { id: string; reference: string };
  let oldDone: string;
  let recentDone: string;
  let oldAccepted: string;
  let heldDone: string;

  beforeAll(async () => {
    past = await finalized(400);
    recent = await finalized(300);
    held = await finalized(400);
    oldDone = await referral(past.id, 'done', 100);
    recentDone = await referral(past.id, 'done', 10);
    oldAccepted = await referral(recent.id, 'accepted', 100);
    heldDone = await referral(held.id, 'rejected', 100);
  });

  it('changes its settings only for an admin, within their ranges, audited with the old and new values', async () => {
    const read = await api('admin', 'GET', '/api/admin/retention/settings');
    expect(read.json()).toMatchObject({
      consultationTextDays: 365,
      referralContentDays: 90,
      updatedBy: null,
    });
    expect((await api('supervisor', 'GET', '/api/admin/retention/settings')).statusCode).toBe(403);
    expect(
      (
        await api('supervisor', 'PUT', '/api/admin/retention/settings', {
          consultationTextDays: 30,
          referralContentDays: 7,
        })
      ).statusCode,
    ).toBe(403);

    const bad = await api('admin', 'PUT', '/api/admin/retention/settings', {
      consultationTextDays: 5,
      referralContentDays: 90,
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/consultationTextDays/);

    const put = await api('admin', 'PUT', '/api/admin/retention/settings', {
      consultationTextDays: 200,
      referralContentDays: 60,
    });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({
      consultationTextDays: 200,
      updatedBy: { displayName: expect.any(String) },
    });
    // Back to the defaults: two changes, each audited with both values.
    await api('admin', 'PUT', '/api/admin/retention/settings', {
      consultationTextDays: 365,
      referralContentDays: 90,
    });
    const changes = await auditOf('retention.settings_changed');
    expect(changes.map((c) => c.details.changed)).toEqual([
      { consultationTextDays: { old: 365, new: 200 }, referralContentDays: { old: 90, new: 60 } },
      { consultationTextDays: { old: 200, new: 365 }, referralContentDays: { old: 60, new: 90 } },
    ]);
    // The same values again change nothing and write nothing.
    await api('admin', 'PUT', '/api/admin/retention/settings', {
      consultationTextDays: 365,
      referralContentDays: 90,
    });
    expect(await auditOf('retention.settings_changed')).toHaveLength(2);
  });

  it('places a legal hold by reference with a reason kept in the audit log only', async () => {
    const missing = await api('admin', 'PUT', '/api/admin/retention/holds/K-1999-000001', {
      reason: 'Case 12-345',
    });
    expect(missing.statusCode).toBe(404);
    const noReason = await api('admin', 'PUT', `/api/admin/retention/holds/${held.reference}`, {
      reason: '',
    });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().message).toMatch(/reason/);
    expect(
      (
        await api('supervisor', 'PUT', `/api/admin/retention/holds/${held.reference}`, {
          reason: 'Case 12-345',
        })
      ).statusCode,
    ).toBe(403);

    const put = await api('admin', 'PUT', `/api/admin/retention/holds/${held.reference.toLowerCase()}`, {
      reason: 'Court case 12-345/2026',
    });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({ reference: held.reference, reason: 'Court case 12-345/2026' });
    const list = (await api('admin', 'GET', '/api/admin/retention/holds')).json() as LegalHold[];
    expect(list.map((h) => h.reference)).toEqual([held.reference]);
    const audit = await auditOf('consultation.legal_hold_placed');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ target_id: held.id, details: { reason: 'Court case 12-345/2026' } });
    const { rows } = await t.db.pool.query(
      'SELECT legal_hold, legal_hold_by FROM consultations WHERE id = $1',
      [held.id],
    );
    expect(rows[0]).toMatchObject({ legal_hold: true, legal_hold_by: expect.any(String) });
  });

  it('shreds the free text past its period and no other, keeps the structured fields and the statistics, records and audits the run once', async () => {
    const statsBefore = await facts();
    const changesBefore = await dayChanges();
    const auditBefore = (await t.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log'))
      .rows[0]?.n;

    const run = await runNow();
    expect(run.counts).toMatchObject({
      consultations: 1,
      addenda: 1,
      riskOverrides: 1,
      referrals: 1,
      consultationTextDays: 365,
      referralContentDays: 90,
    });
    expect(run.startedBy?.displayName).toBeTruthy();

    const gone = await stored(past.id);
    expect(gone.notes_ciphertext).toBeNull();
    expect(gone.notes_shredded_at).toBeInstanceOf(Date);
    expect(gone.data).toMatchObject({ contactKind: 'about_self', violenceForms: ['physical'] });
    expect(gone.addenda).toEqual([{ text_ciphertext: null, shredded_at: expect.any(Date) }]);
    expect(gone.overrides[0]).not.toHaveProperty('textSealed');
    expect(gone.overrides[0]).toMatchObject({
      level: 'high',
      direction: 'raise',
      textShreddedAt: expect.any(String),
    });

    for (const kept of [recent.id, held.id]) {
      const k = await stored(kept);
      expect(k.notes_ciphertext).toBeInstanceOf(Buffer);
      expect(k.notes_shredded_at).toBeNull();
      expect(k.addenda[0]?.text_ciphertext).toBeInstanceOf(Buffer);
      expect(k.overrides[0]).toHaveProperty('textSealed');
    }

    expect(await referralStored(oldDone)).toMatchObject({
      content: {},
      message_sealed: null,
      outcome_sealed: null,
      content_removed_at: expect.any(Date),
      status: 'done',
    });
    for (const kept of [recentDone, oldAccepted, heldDone])
      expect((await referralStored(kept))?.content_removed_at).toBeNull();

    // The statistics read none of these columns: not a fact changed, no day marked for recounting.
    expect(await facts()).toEqual(statsBefore);
    expect(await dayChanges()).toBe(changesBefore);

    // One audit entry for the run (and one for asking), with its counts, none per record.
    const auditAfter = (await t.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log'))
      .rows[0]?.n;
    expect((auditAfter ?? 0) - (auditBefore ?? 0)).toBe(2);
    const audited = await auditOf('retention.run');
    expect(audited.at(-1)).toMatchObject({
      target_id: String(run.id),
      details: { trigger: 'manual', status: 'succeeded', consultations: 1, referrals: 1 },
    });
  });

  it('reads a shredded consultation with the removal said, and a removed referral to its partner', async () => {
    const read = await api('supervisor', 'GET', `/api/consultations/${past.id}`);
    expect(read.statusCode).toBe(200);
    const c = read.json() as Consultation;
    expect(c.notesShreddedAt).toEqual(expect.any(String));
    expect(c.secret).toEqual({ notes: '', codeWord: '', ifCallDrops: '' });
    expect(c.data.safeContact).toMatchObject({ callbackFrom: '18:00' });
    expect(c.addenda[0]).toMatchObject({ text: '', shreddedAt: expect.any(String) });
    expect(c.risk?.override).toMatchObject({ level: 'high', reason: '' });
    const kept = (await api('supervisor', 'GET', `/api/consultations/${recent.id}`)).json() as Consultation;
    expect(kept.notesShreddedAt).toBeNull();
    expect(kept.secret.codeWord).toBe('apricot');
    expect(kept.addenda[0]?.text).toBe('She called her sister');

    const inbox = (
      await api('partner-police-bishkek', 'GET', '/api/partner/referrals')
    ).json() as PartnerReferral[];
    const removed = inbox.find((r) => r.id === oldDone);
    expect(removed).toMatchObject({ content: {}, outcome: null, contentRemovedAt: expect.any(String) });
    expect(inbox.find((r) => r.id === recentDone)?.contentRemovedAt).toBeNull();
  });

  it('is idempotent: a second run finds nothing, and two runs at once shred each record once', async () => {
    const again = await runNow();
    expect(again.counts).toMatchObject({ consultations: 0, addenda: 0, referrals: 0, riskOverrides: 0 });

    // The clock moves on 70 days: the consultation finalized 300 days ago is now past its period. Two workers'
    // runs at once: one does it, the other finds the lock taken (or, after it, nothing left).
    clock.shift(70 * DAY);
    const pool = new pg.Pool({ connectionString: appRoleUrl(t.databaseUrl) ?? t.databaseUrl, max: 4 });
    try {
      const [a, b] = await Promise.all([runRetention(pool, { clock }), runRetention(pool, { clock })]);
      expect([a.outcome, b.outcome].filter((o) => o === 'done').length).toBeGreaterThanOrEqual(1);
      expect(a.counts.consultations + b.counts.consultations).toBe(1);
      expect(a.counts.addenda + b.counts.addenda).toBe(1);
    } finally {
      await pool.end();
    }
    expect((await stored(recent.id)).notes_ciphertext).toBeNull();
    expect((await stored(held.id)).notes_ciphertext).toBeInstanceOf(Buffer);
    const scheduled = (await api('admin', 'GET', '/api/admin/retention/runs')).json() as RetentionRun[];
    expect(scheduled[0]).toMatchObject({ trigger: 'schedule', status: 'succeeded', startedBy: null });
  });

  it('shreds a held consultation once its hold is lifted (with a reason, audited)', async () => {
    const noReason = await api('admin', 'DELETE', `/api/admin/retention/holds/${held.id}`, {});
    expect(noReason.statusCode).toBe(400);
    const lift = await api('admin', 'DELETE', `/api/admin/retention/holds/${held.id}`, {
      reason: 'Case closed',
    });
    expect(lift.statusCode).toBe(200);
    expect(
      (await api('admin', 'DELETE', `/api/admin/retention/holds/${held.id}`, { reason: 'Again' })).statusCode,
    ).toBe(404);
    expect(await auditOf('consultation.legal_hold_lifted')).toMatchObject([
      { target_id: held.id, details: { reason: 'Case closed' } },
    ]);
    expect((await api('admin', 'GET', '/api/admin/retention/holds')).json()).toEqual([]);

    const run = await runNow();
    expect(run.counts).toMatchObject({ consultations: 1, addenda: 1, referrals: 1 });
    expect((await stored(held.id)).notes_ciphertext).toBeNull();
    expect((await referralStored(heldDone))?.content_removed_at).toBeInstanceOf(Date);
  });

  it('keeps its schedule and a queued "Run now" when Redis loses them', async () => {
    await jobs.queues.maintenance.removeJobScheduler('retention');
    expect(await jobs.queues.maintenance.getJobScheduler('retention')).toBeFalsy();
    await vi.waitFor(
      async () =>
        expect(await jobs.queues.maintenance.getJobScheduler('retention')).toMatchObject({
          pattern: '45 3 * * *',
          tz: 'Asia/Bishkek',
        }),
      { timeout: 30_000, interval: 250 },
    );

    // A "Run now" whose job Redis never got (or lost): the reconciler adds it from its queued row.
    const admin = (await t.db.pool.query<{ id: string }>(`SELECT id FROM users WHERE username = 'admin'`))
      .rows[0]?.id;
    const { rows } = await t.db.pool.query<{ id: string }>(
      `INSERT INTO maintenance_runs (kind, trigger, started_by, status, started_at)
       VALUES ('retention', 'manual', $1, 'queued', now() - interval '1 minute') RETURNING id`,
      [admin],
    );
    const id = Number(rows[0]?.id);
    const { added } = await worker.reconcileNow();
    expect(added).toBeGreaterThanOrEqual(1);
    await vi.waitFor(
      async () => {
        const runs = (await api('admin', 'GET', '/api/admin/retention/runs')).json() as RetentionRun[];
        expect(runs.find((r) => r.id === id)?.status).toBe('succeeded');
      },
      { timeout: 20_000, interval: 200 },
    );
  });

  it('refuses a second "Run now" while one is queued', async () => {
    await t.db.pool.query(
      `INSERT INTO maintenance_runs (kind, trigger, status, started_at) VALUES ('retention', 'manual', 'queued', now() + interval '1 hour')`,
    );
    const res = await api('admin', 'POST', '/api/admin/retention/runs');
    expect(res.statusCode).toBe(409);
    expect(res.json().message).toMatch(/queued or running already/);
    await t.db.pool.query(`DELETE FROM maintenance_runs WHERE started_at > now() + interval '30 minutes'`);
  });
});
