import {
  callEvent,
  connectConsole,
  createTestApp,
  dumpDatabaseText,
  postEvents,
  signIn,
  type TestApp,
} from '@korgon/dev/testing';
import { type BoardAlert, type Consultation, KG_HOTLINE_RISK_0_1 } from '@korgon/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let t: TestApp;
let op1: string;
let op2: string;
let sup: string;
beforeAll(async () => {
  t = await createTestApp({ listen: true, label: 'consult' });
  [op1, op2, sup] = [
    await signIn(t.app, 'operator1'),
    await signIn(t.app, 'operator2'),
    await signIn(t.app, 'supervisor'),
  ];
});
afterAll(async () => t?.close());

const api = (cookie: string, method: string, path: string, body?: unknown) =>
  t.app.inject({
    method: method as 'GET',
    url: path,
    headers: { cookie, origin: t.baseUrl },
    ...(body !== undefined ? { payload: body as object } : {}),
  });

const NOTES = 'Муж угрожает ножом, соседка Айгерим знает код';
const save = (cookie: string, id: string, baseRevision: number, data: object, notes = NOTES) =>
  api(cookie, 'PUT', `/api/consultations/${id}`, {
    baseRevision,
    channel: 'call_back',
    data,
    secret: { notes, codeWord: 'алма' },
  });

const auditCount = async (action: string, targetId: string) =>
  Number(
    (
      await t.db.pool.query('SELECT count(*) FROM audit_log WHERE action = $1 AND target_id = $2', [
        action,
        targetId,
      ])
    ).rows[0].count,
  );

describe('saving', () => {
  it('creates on the first save with a client-made id; a retried save never makes a duplicate', async () => {
    const id = crypto.randomUUID();
    const first = await api(op1, 'PUT', `/api/consultations/${id}?view=full`, {
      baseRevision: 0,
      channel: 'call_back',
      data: { contactKind: 'about_self' },
      secret: { notes: NOTES, codeWord: 'алма' },
    });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({
      id,
      revision: 1,
      status: 'draft',
      channel: 'call_back',
      taxonomyVersion: 'kg-2026.1',
    });
    expect(first.json().secret).toEqual({ notes: NOTES, codeWord: 'алма', ifCallDrops: '' });
    const retry = await save(op1, id, 0, { contactKind: 'about_self' });
    expect(retry.statusCode).toBe(200);
    expect(retry.json().revision).toBe(1);
    expect(
      Number((await t.db.pool.query('SELECT count(*) FROM consultations WHERE id = $1', [id])).rows[0].count),
    ).toBe(1);
  });

  it('an autosave answers with the new revision only; the full record when asked; a bad view is a 400', async () => {
    const id = crypto.randomUUID();
    const first = await save(op1, id, 0, { contactKind: 'about_self' });
    expect(first.statusCode).toBe(201);
    expect(Object.keys(first.json()).sort()).toEqual(['id', 'revision', 'status', 'updatedAt']);
    const next = await save(op1, id, 1, { contactKind: 'about_self', callerRole: 'survivor' }, 'second');
    expect(next.statusCode).toBe(200);
    expect(next.json()).toEqual({ id, status: 'draft', revision: 2, updatedAt: expect.any(String) });
    const full = await api(op1, 'PUT', `/api/consultations/${id}?view=full`, {
      baseRevision: 2,
      channel: 'call_back',
      data: { contactKind: 'about_self', callerRole: 'witness' },
      secret: { notes: 'third' },
    });
    expect(full.statusCode).toBe(200);
    expect(full.json()).toMatchObject({
      revision: 3,
      data: { callerRole: 'witness' },
      secret: { notes: 'third' },
    });
    const bad = await api(op1, 'PUT', `/api/consultations/${id}?view=everything`, {
      baseRevision: 3,
      data: {},
      secret: {},
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/view/);
    const stored = await api(op1, 'GET', `/api/consultations/${id}`);
    expect(stored.json()).toMatchObject({ revision: 3, secret: { notes: 'third' } });
  });

  it('two tabs on one draft: the later save gets 409 with the current revision, nothing is overwritten', async () => {
    const id = crypto.randomUUID();
    await save(op1, id, 0, { contactKind: 'about_self' });
    const tabA = await save(op1, id, 1, { contactKind: 'about_self', callerRole: 'survivor' }, 'tab A notes');
    expect(tabA.statusCode).toBe(200);
    expect(tabA.json().revision).toBe(2);
    const tabB = await save(op1, id, 1, { contactKind: 'about_other' }, 'tab B notes');
    expect(tabB.statusCode).toBe(409);
    expect(tabB.json().message).toMatch(/saved elsewhere \(revision 2, yours was based on 1\)/);
    expect(tabB.json().current).toMatchObject({
      revision: 2,
      data: { callerRole: 'survivor' },
      secret: { notes: 'tab A notes' },
    });
  });

  it('keeps free text encrypted: the database never holds it in clear', async () => {
    const id = crypto.randomUUID();
    await save(op1, id, 0, { contactKind: 'about_self' }, 'Ал бийик кабатта жашайт, Токтогул көчөсү');
    const raw = await t.db.pool.query(
      'SELECT notes_ciphertext, notes_key_version, data::text FROM consultations WHERE id = $1',
      [id],
    );
    const bytes: Buffer = raw.rows[0].notes_ciphertext;
    expect(bytes.length).toBeGreaterThan(28);
    expect(bytes.toString('utf8')).not.toContain('Токтогул');
    expect(raw.rows[0].data).not.toContain('Токтогул');
    expect(raw.rows[0].notes_key_version).toBe(1);
    const { text } = await dumpDatabaseText(t.databaseUrl);
    for (const secret of ['Токтогул', 'Айгерим', 'ножом', 'алма']) expect(text).not.toContain(secret);
  });

  it('lets only the author edit; a supervisor may read, and that read is audited, the author’s is not', async () => {
    const id = crypto.randomUUID();
    await save(op1, id, 0, { contactKind: 'about_self' });
    expect((await save(op2, id, 1, { contactKind: 'silent' })).statusCode).toBe(403);
    expect((await api(op2, 'GET', `/api/consultations/${id}`)).statusCode).toBe(403);
    expect((await api(op1, 'GET', `/api/consultations/${id}`)).statusCode).toBe(200);
    expect(await auditCount('consultation.read', id)).toBe(0);
    const read = await api(sup, 'GET', `/api/consultations/${id}`);
    expect(read.statusCode).toBe(200);
    expect(read.json().secret.notes).toBe(NOTES);
    expect(await auditCount('consultation.read', id)).toBe(1);
    const manager = await signIn(t.app, 'manager');
    expect((await api(manager, 'GET', `/api/consultations/${id}`)).statusCode).toBe(403);
  });

  it('answers bad input with 400 naming the field', async () => {
    const bad = await api(op1, 'PUT', `/api/consultations/${crypto.randomUUID()}`, {
      baseRevision: 0,
      data: { safeContact: { callbackFrom: '25:00' } },
      secret: {},
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().issues[0]).toMatchObject({
      path: 'body.data.safeContact.callbackFrom',
      message: 'must be a time like 18:30',
    });
    expect(
      (await api(op1, 'PUT', '/api/consultations/nope', { baseRevision: 0, data: {}, secret: {} }))
        .statusCode,
    ).toBe(400);
  });
});

describe('finalizing', () => {
  const complete = {
    contactKind: 'about_self',
    callerRole: 'survivor',
    survivor: { gender: 'female', ageBand: '26-40', region: 'KG-GB' },
    violenceForms: ['physical', 'psychological'],
    servicesGiven: ['crisis_counselling', 'safety_plan'],
    consent: { statistics: 'yes', referral: 'yes' },
    safetyPlan: { exit_room: true, call_102: true },
  };

  it('refuses an incomplete record naming each missing field, then finalizes; a final record is read-only', async () => {
    const id = crypto.randomUUID();
    await save(op1, id, 0, { contactKind: 'about_self' });
    const incomplete = await api(op1, 'POST', `/api/consultations/${id}/finalize`, { revision: 1 });
    expect(incomplete.statusCode).toBe(400);
    expect(incomplete.json().code).toBe('incomplete');
    expect(incomplete.json().issues.map((i: { path: string }) => i.path)).toContain('data.survivor.region');
    await save(op1, id, 1, complete);
    const done = await api(op1, 'POST', `/api/consultations/${id}/finalize`, { revision: 2 });
    expect(done.statusCode).toBe(200);
    expect(done.json()).toMatchObject({ status: 'final', revision: 2 });
    expect(done.json().finalizedAt).not.toBeNull();
    const edit = await save(op1, id, 2, { ...complete, callerRole: 'third_party' });
    expect(edit.statusCode).toBe(409);
    expect(edit.json().message).toMatch(/final and cannot be changed; add an addendum/);
    expect(await auditCount('consultation.finalized', id)).toBe(1);
  });

  it('closes a non-data contact with its kind alone', async () => {
    const id = crypto.randomUUID();
    await save(op1, id, 0, { contactKind: 'silent' }, '');
    expect((await api(op1, 'POST', `/api/consultations/${id}/finalize`, { revision: 1 })).statusCode).toBe(
      200,
    );
  });

  it('adds signed addenda to a final record, audited with the same signature', async () => {
    const id = crypto.randomUUID();
    await save(op1, id, 0, { contactKind: 'silent' }, '');
    expect((await api(op1, 'POST', `/api/consultations/${id}/addenda`, { text: 'not yet' })).statusCode).toBe(
      409,
    );
    await api(op1, 'POST', `/api/consultations/${id}/finalize`, { revision: 1 });
    const res = await api(op1, 'POST', `/api/consultations/${id}/addenda`, {
      text: 'She called back: it was not silent, the line dropped.',
    });
    expect(res.statusCode).toBe(201);
    const [addendum] = (res.json() as Consultation).addenda;
    expect(addendum?.text).toBe('She called back: it was not silent, the line dropped.');
    expect(addendum?.signature).toMatch(/^[0-9a-f]{64}$/);
    const audit = await t.db.pool.query(
      "SELECT details FROM audit_log WHERE action = 'consultation.addendum' AND target_id = $1",
      [id],
    );
    expect(audit.rows[0].details.signature).toBe(addendum?.signature);
    const raw = await t.db.pool.query(
      'SELECT text_ciphertext FROM consultation_addenda WHERE consultation_id = $1',
      [id],
    );
    expect(raw.rows[0].text_ciphertext.toString('utf8')).not.toContain('line dropped');
  });
});

describe('risk', () => {
  const m = { methodologyId: 'kg-hotline-risk', version: '0.1' };

  it('previews without storing anything', async () => {
    const before = (await t.db.pool.query('SELECT count(*) FROM risk_assessments')).rows[0].count;
    const res = await api(op1, 'POST', '/api/risk/assess', {
      ...m,
      answers: { strangulation: 'yes', isolated: 'no' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ score: 3, level: 'high', minimumLevel: 'high' });
    expect(res.json().unanswered).not.toContain('isolated');
    expect((await t.db.pool.query('SELECT count(*) FROM risk_assessments')).rows[0].count).toBe(before);
    const unknown = await api(op1, 'POST', '/api/risk/assess', { ...m, answers: { telepathy: 'yes' } });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().issues[0].path).toBe('body.answers.telepathy');
    expect(
      (await api(op1, 'POST', '/api/risk/assess', { methodologyId: 'x', version: '9', answers: {} }))
        .statusCode,
    ).toBe(404);
  });

  it('stores the assessment with the consultation', async () => {
    const id = crypto.randomUUID();
    await save(op1, id, 0, { contactKind: 'about_self' });
    const res = await api(op1, 'PUT', `/api/consultations/${id}/risk`, {
      ...m,
      answers: { threats_to_kill: 'yes', weapon: 'yes' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().record).toMatchObject({
      methodologyId: 'kg-hotline-risk',
      methodologyVersion: '0.1',
      computedLevel: 'high',
      finalLevel: 'high',
      override: null,
    });
    expect(res.json().result.actions.map((a: { id: string }) => a.id)).toContain('police_protection_order');
    const read = await api(op1, 'GET', `/api/consultations/${id}`);
    expect(read.json().risk.answers).toEqual({ threats_to_kill: 'yes', weapon: 'yes' });
  });

  it('raises with a reason at once; never lowers below a floor; lowers only with a supervisor’s sign-off', async () => {
    const id = crypto.randomUUID();
    await save(op1, id, 0, { contactKind: 'about_self' });
    const raise = await api(op1, 'PUT', `/api/consultations/${id}/risk`, {
      ...m,
      answers: { isolated: 'yes' },
      override: { level: 'high', reason: 'Her voice, and what she could not say' },
    });
    expect(raise.json().record).toMatchObject({
      computedLevel: 'low',
      finalLevel: 'high',
      override: { direction: 'raise', status: 'applied' },
    });
    const belowFloor = await api(op1, 'PUT', `/api/consultations/${id}/risk`, {
      ...m,
      answers: { strangulation: 'yes' },
      override: { level: 'medium', reason: 'It was long ago' },
    });
    expect(belowFloor.statusCode).toBe(400);
    expect(belowFloor.json().message).toMatch(/cannot go below high/);
    const noReason = await api(op1, 'PUT', `/api/consultations/${id}/risk`, {
      ...m,
      answers: {},
      override: { level: 'high', reason: '' },
    });
    expect(noReason.statusCode).toBe(400);

    const opSocket = await connectConsole(t.baseUrl, op1);
    const signed = new Promise<{ approved: boolean; finalLevel: string }>((r) =>
      opSocket.once('risk:signed', r),
    );
    const answers = {
      injury_latest: 'yes',
      very_frightened: 'yes',
      separation_recent: 'yes',
      stalking: 'yes',
      more_severe: 'yes',
    };
    const lower = await api(op1, 'PUT', `/api/consultations/${id}/risk`, {
      ...m,
      answers,
      override: { level: 'low', reason: 'Injury was an accident, confirmed' },
    });
    expect(lower.json().record).toMatchObject({
      computedLevel: 'medium',
      finalLevel: 'medium',
      override: { direction: 'lower', status: 'pending_sign_off' },
    });
    const assessmentId = lower.json().record.id;
    expect(
      (await api(op1, 'POST', `/api/risk/assessments/${assessmentId}/sign-off`, { approve: true }))
        .statusCode,
    ).toBe(403);
    const ok = await api(sup, 'POST', `/api/risk/assessments/${assessmentId}/sign-off`, {
      approve: true,
      note: 'Discussed with the operator',
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({
      finalLevel: 'low',
      override: { status: 'signed', signedBy: { displayName: 'Гүлнара Жумабаева' } },
    });
    expect(await signed).toMatchObject({ approved: true, finalLevel: 'low' });
    opSocket.close();
    expect(
      (await api(sup, 'POST', `/api/risk/assessments/${assessmentId}/sign-off`, { approve: true }))
        .statusCode,
    ).toBe(409);
    expect(await auditCount('risk.sign_off', id)).toBe(1);
    expect(await auditCount('risk.override', id)).toBe(2);
  });
});

describe('methodologies', () => {
  it('uploads a version (400 naming the path of a bad document, 409 for a repeat), activates it, and old assessments keep theirs', async () => {
    const admin = await signIn(t.app, 'admin');
    const earlier = crypto.randomUUID();
    await save(op1, earlier, 0, { contactKind: 'about_self' });
    await api(op1, 'PUT', `/api/consultations/${earlier}/risk`, {
      methodologyId: 'kg-hotline-risk',
      version: '0.1',
      answers: {},
    });
    const bad = await api(admin, 'POST', '/api/admin/methodologies', {
      ...KG_HOTLINE_RISK_0_1,
      version: '0.2',
      floors: [{ when: 'nope', atLeast: 'high' }],
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().issues).toContainEqual({
      path: 'body.floors.0.when',
      message: 'unknown item id "nope"',
    });
    expect(
      (await api(op1, 'POST', '/api/admin/methodologies', { ...KG_HOTLINE_RISK_0_1, version: '0.2' }))
        .statusCode,
    ).toBe(403);
    const doc = {
      ...KG_HOTLINE_RISK_0_1,
      version: '0.2',
      levels: KG_HOTLINE_RISK_0_1.levels.map((l) => (l.id === 'high' ? { ...l, minScore: 15 } : l)),
    };
    expect((await api(admin, 'POST', '/api/admin/methodologies', doc)).statusCode).toBe(201);
    expect((await api(admin, 'POST', '/api/admin/methodologies', doc)).statusCode).toBe(409);
    expect(
      (await api(admin, 'POST', '/api/admin/methodologies/kg-hotline-risk/0.2/activate')).statusCode,
    ).toBe(200);
    expect((await api(op1, 'GET', '/api/methodologies/active')).json().version).toBe('0.2');
    expect(
      (await api(admin, 'POST', '/api/admin/methodologies/kg-hotline-risk/9.9/activate')).statusCode,
    ).toBe(404);
    const later = await api(op1, 'PUT', `/api/consultations/${earlier}/risk`, {
      methodologyId: 'kg-hotline-risk',
      version: '0.2',
      answers: { injury_latest: 'yes' },
    });
    expect(later.json().record.methodologyVersion).toBe('0.2');
    const versions = await t.db.pool.query(
      'SELECT methodology_version FROM risk_assessments WHERE consultation_id = $1 ORDER BY created_at',
      [earlier],
    );
    expect(versions.rows.map((r) => r.methodology_version)).toEqual(['0.1', '0.2']);
    expect((await api(op1, 'GET', '/api/methodologies/kg-hotline-risk/0.1')).json().version).toBe('0.1');
  });
});

describe('repeat callers', () => {
  it('shows earlier consultations of the same caller, summaries only, and audits the look-up', async () => {
    const number = '+996555246810';
    const ids: string[] = [];
    for (const [i, who] of [
      [1, op1],
      [2, op2],
    ] as const) {
      await postEvents(
        t.app,
        t.env.TELEPHONY_SECRET,
        callEvent(`hist-${i}`, 'call.offered', new Date(Date.now() - (3 - i) * 60_000), {
          callerNumber: number,
        }),
      );
      const callId = (await t.db.pool.query('SELECT id FROM calls WHERE external_id = $1', [`hist-${i}`]))
        .rows[0].id;
      const claim = await t.app.inject({
        method: 'POST',
        url: `/api/queue/calls/${callId}/claim`,
        headers: { cookie: who, origin: t.baseUrl },
      });
      ids.push(claim.json().consultationId);
    }
    const saved = await save(
      op1,
      ids[0] as string,
      0,
      {
        contactKind: 'about_self',
        violenceForms: ['economic'],
        followUp: { agreed: true, due: '2026-12-01T10:00:00Z' },
      },
      'first call notes',
    );
    expect(saved.statusCode).toBe(200);
    const history = await api(op2, 'GET', `/api/consultations/${ids[1]}/history`);
    expect(history.statusCode).toBe(200);
    expect(history.json()).toHaveLength(1);
    expect(history.json()[0]).toMatchObject({
      id: ids[0],
      violenceForms: ['economic'],
      followUp: { agreed: true },
    });
    expect(JSON.stringify(history.json())).not.toContain('first call notes');
    expect(await auditCount('consultation.history_read', ids[1] as string)).toBe(1);
    expect((await api(op2, 'GET', `/api/consultations/${ids[1]}`)).json().repeatContacts).toBe(1);

    // Another operator cannot open a draft on a call she did not take, nor reach its caller's history.
    const callOfOp1 = (await t.db.pool.query('SELECT call_id FROM consultations WHERE id = $1', [ids[0]]))
      .rows[0].call_id as string;
    const intruder = crypto.randomUUID();
    const refused = await api(op2, 'PUT', `/api/consultations/${intruder}`, {
      baseRevision: 0,
      callId: callOfOp1,
      data: {},
      secret: {},
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().message).toMatch(/Another operator took that call/);
    expect((await api(op2, 'GET', `/api/consultations/${intruder}/history`)).statusCode).toBe(404);
    expect(
      (await t.db.pool.query('SELECT count(*)::int AS n FROM consultations WHERE id = $1', [intruder]))
        .rows[0].n,
    ).toBe(0);
  });
});

describe('drafts and retries', () => {
  it('a save retried after its answer was lost is accepted, not a conflict; a draft from a call finalizes from revision 0', async () => {
    const id = crypto.randomUUID();
    await save(op1, id, 0, { contactKind: 'about_self' });
    const body = { contactKind: 'about_self', callerRole: 'survivor' };
    expect((await save(op1, id, 1, body)).statusCode).toBe(200);
    const retried = await save(op1, id, 1, body);
    expect(retried.statusCode).toBe(200);
    expect(retried.json().revision).toBe(2);
    const different = await save(op1, id, 1, { ...body, callerRole: 'professional' });
    expect(different.statusCode).toBe(409);
    const drafts = await api(op1, 'GET', '/api/consultations');
    expect(drafts.json().map((d: { id: string }) => d.id)).toContain(id);
    expect(
      (await api(op2, 'GET', '/api/consultations')).json().map((d: { id: string }) => d.id),
    ).not.toContain(id);
  });

  it('lists the lowered levels waiting for a sign-off, for a board opened later; one critical alert per consultation', async () => {
    const id = crypto.randomUUID();
    await save(op1, id, 0, { contactKind: 'about_self' });
    const answers = {
      injury_latest: 'yes',
      very_frightened: 'yes',
      separation_recent: 'yes',
      stalking: 'yes',
      more_severe: 'yes',
    };
    const lower = await api(op1, 'PUT', `/api/consultations/${id}/risk`, {
      methodologyId: 'kg-hotline-risk',
      version: '0.1',
      answers,
      override: { level: 'low', reason: 'Confirmed by the caller' },
    });
    const pending = await api(sup, 'GET', '/api/risk/sign-offs');
    expect(pending.json()).toContainEqual(
      expect.objectContaining({
        assessmentId: lower.json().record.id,
        consultationId: id,
        consultationReference: expect.stringMatching(/^K-\d{4}-\d{6}$/),
        requestedLevel: 'low',
        computedLevel: 'medium',
      }),
    );
    expect((await api(op1, 'GET', '/api/risk/sign-offs')).statusCode).toBe(403);

    const supSocket = await connectConsole(t.baseUrl, sup);
    const alerts: BoardAlert[] = [];
    supSocket.on('alert:changed', (a) => alerts.push(a));
    const high = { methodologyId: 'kg-hotline-risk', version: '0.1', answers: { weapon: 'yes' } };
    await api(op1, 'PUT', `/api/consultations/${id}/risk`, high);
    await api(op1, 'PUT', `/api/consultations/${id}/risk`, {
      ...high,
      answers: { weapon: 'yes', isolated: 'no' },
    });
    await api(op1, 'PUT', `/api/consultations/${id}/risk`, {
      ...high,
      answers: { weapon: 'yes', present_danger_now: 'yes' },
    });
    const critical = (a: BoardAlert) => a.kind === 'critical_risk' && a.consultation?.id === id;
    const until = Date.now() + 5000;
    while (!alerts.some(critical) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    await api(op1, 'PUT', `/api/consultations/${id}/risk`, {
      ...high,
      answers: { weapon: 'yes', present_danger_now: 'yes', isolated: 'yes' },
    });
    await new Promise((r) => setTimeout(r, 300));
    // High raises no alert; critical raises one, once, by the supervisors' persistent alerts (docs/board.md).
    expect(alerts.filter(critical).map((a) => [a.state, a.consultation?.level])).toEqual([
      ['open', 'critical'],
    ]);
    // The board shows the consultation's reference, not its UUID.
    const { rows } = await t.db.pool.query('SELECT reference FROM consultations WHERE id = $1', [id]);
    expect(alerts.find(critical)?.consultation?.reference).toBe(rows[0].reference);
    supSocket.close();
  });
});

describe('the autosave checks its session in its own statement', () => {
  const setUser = (username: string, set: string) =>
    t.db.pool.query(`UPDATE users SET ${set} WHERE username = $1`, [username]);
  const revisionOf = async (id: string) =>
    (await t.db.pool.query('SELECT revision FROM consultations WHERE id = $1', [id])).rows[0].revision;

  it('saves for a live session; a refused session, role or one-time password answers as the guard does, and nothing is saved', async () => {
    const op3 = await signIn(t.app, 'operator3');
    const id = crypto.randomUUID();
    expect((await save(op3, id, 0, { contactKind: 'about_self' })).statusCode).toBe(201);
    const next = await save(op3, id, 1, { contactKind: 'about_self', childrenAffected: 'yes' });
    expect(next.statusCode).toBe(200);
    expect(next.json()).toEqual({ id, status: 'draft', revision: 2, updatedAt: expect.any(String) });

    // A one-time password to change first: 403 password_change_required, as on every other route.
    await setUser('operator3', 'must_change_password = true');
    const mustChange = await save(op3, id, 2, { contactKind: 'about_self' });
    await setUser('operator3', 'must_change_password = false');
    expect(mustChange.statusCode).toBe(403);
    expect(mustChange.json().code).toBe('password_change_required');

    // A role without consultation:write: the guard's 403 naming the permission.
    const manager = await signIn(t.app, 'manager');
    const byManager = await save(manager, id, 2, { contactKind: 'about_self' });
    expect(byManager.statusCode).toBe(403);
    expect(byManager.json().message).toContain('consultation:write');

    // Deactivated: 401 at once.
    await setUser('operator3', 'active = false');
    const inactive = await save(op3, id, 2, { contactKind: 'about_self' });
    await setUser('operator3', 'active = true');
    expect(inactive.statusCode).toBe(401);

    // Signed out: the very next autosave is refused, and a 401 comes before a 400 for a bad body or a NUL.
    expect((await api(op3, 'POST', '/api/auth/logout')).statusCode).toBeLessThan(300);
    const after = await save(op3, id, 2, { contactKind: 'about_self' });
    expect(after.statusCode).toBe(401);
    expect(after.json().code).toBe('unauthenticated');
    expect((await save(op3, id, -1, { contactKind: 'about_self' })).statusCode).toBe(401);
    expect((await save(op3, id, 2, { contactKind: 'about_self' }, 'a\u0000b')).statusCode).toBe(401);
    expect(
      (
        await t.app.inject({
          method: 'PUT',
          url: `/api/consultations/${id}`,
          headers: { cookie: op3, origin: t.baseUrl, 'content-type': 'application/json' },
          payload: '{"baseRevision": 2,',
        })
      ).statusCode,
    ).toBe(401);
    // Idle too long: 401.
    const idle = await signIn(t.app, 'operator3');
    await t.db.pool.query(
      "UPDATE sessions SET last_seen_at = now() - interval '2 days' WHERE user_id = (SELECT id FROM users WHERE username = 'operator3')",
    );
    expect((await save(idle, id, 2, { contactKind: 'about_self' })).statusCode).toBe(401);
    expect(await revisionOf(id)).toBe(2);

    // With a live session the same mistakes are the 400s they always were.
    const again = await signIn(t.app, 'operator3');
    expect((await save(again, id, -1, { contactKind: 'about_self' })).statusCode).toBe(400);
    expect((await save(again, id, 2, { contactKind: 'about_self' }, 'a\u0000b')).statusCode).toBe(400);
    expect((await save(again, id, 2, { contactKind: 'about_self' })).json().revision).toBe(3);
  });
});
