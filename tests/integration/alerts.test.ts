import { type AlertSettings, syncAlerts } from '@korgon/board';
import {
  type ConsoleSocket,
  callEvent,
  connectConsole,
  createTestApp,
  postEvents,
  type ShiftedClock,
  shiftedClock,
  signIn,
  startTestWorker,
  TEST_PASSWORD,
  type TestApp,
} from '@korgon/dev/testing';
import type { AlertKind, AlertList, BoardAlert } from '@korgon/domain';
import { transition } from '@korgon/referrals';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

/**
 * The supervisor's alerts on real PostgreSQL, Redis and Socket.IO: each kind raised by its cause and resolved
 * when the cause ends (the server's kick after a change, or syncAlerts run as the worker's sweep runs it, with
 * a clock the test moves), raised once by concurrent syncs, acknowledged (audited, pushed to every supervisor),
 * still there after a new sign-in, and closed to operators.
 */
let t: TestApp;
let clock: ShiftedClock;
let op1: string;
let sup: string;
let sup2: string;
const sockets: ConsoleSocket[] = [];
const seen: BoardAlert[] = [];
const SETTINGS: AlertSettings = { waitSeconds: 60, wrapUpSeconds: 300 };
const MINUTE = 60_000;

beforeAll(async () => {
  clock = shiftedClock();
  t = await createTestApp({ listen: true, label: 'alerts', clock });
  const { rows } = await t.db.pool.query<{ password_hash: string }>(
    "SELECT password_hash FROM users WHERE username = 'supervisor'",
  );
  await t.db.pool.query(
    `INSERT INTO users (username, display_name, password_hash, role, locale)
     VALUES ('supervisor2', 'Бермет Осмонова', $1, 'supervisor', 'ru')`,
    [rows[0]?.password_hash],
  );
  [op1, sup, sup2] = [
    await signIn(t.app, 'operator1'),
    await signIn(t.app, 'supervisor'),
    await signIn(t.app, 'supervisor2'),
  ];
  const s = await connectConsole(t.baseUrl, sup);
  s.on('alert:changed', (a) => seen.push(a));
  sockets.push(s);
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await t?.close();
});

const api = (cookie: string, method: 'GET' | 'PUT' | 'POST', url: string, payload?: unknown) =>
  t.app.inject({
    method,
    url,
    headers: { cookie, origin: t.baseUrl },
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });

const sync = () => syncAlerts(t.db.pool, clock, SETTINGS);

async function until<T>(what: string, f: () => Promise<T | undefined | null | false>, ms = 10_000) {
  return vi.waitFor(
    async () => {
      const v = await f();
      if (!v) throw new Error(`timed out waiting for ${what}`);
      return v;
    },
    { timeout: ms, interval: 30 },
  );
}

/** The alerts the board lists now (GET /api/alerts as the supervisor). */
async function listed(cookie = sup): Promise<BoardAlert[]> {
  const res = await api(cookie, 'GET', '/api/alerts');
  expect(res.statusCode).toBe(200);
  return (res.json() as AlertList).alerts;
}
const alertOf = async (kind: AlertKind, match: (a: BoardAlert) => boolean) =>
  (await listed()).find((a) => a.kind === kind && match(a));

/** The push of this alert in this state, as the first supervisor's socket received it. */
const pushed = (id: string, state: BoardAlert['state']) =>
  until(`alert:changed ${state}`, async () => seen.find((a) => a.id === id && a.state === state));

async function post(events: Parameters<typeof postEvents>[2]) {
  const res = await postEvents(t.app, t.env.TELEPHONY_SECRET, events);
  expect(res.statusCode, res.body).toBe(200);
}
async function callIdOf(externalId: string): Promise<string> {
  const { rows } = await t.db.pool.query<{ id: string }>('SELECT id FROM calls WHERE external_id = $1', [
    externalId,
  ]);
  if (!rows[0]) throw new Error(`no call ${externalId}`);
  return rows[0].id;
}
const userIdOf = async (username: string) =>
  (await t.db.pool.query<{ id: string }>('SELECT id FROM users WHERE username = $1', [username])).rows[0]
    ?.id as string;

/** A consultation draft by operator1 (consent to refer as given). */
async function consultation(referral: 'yes' | 'no' = 'yes'): Promise<string> {
  const id = crypto.randomUUID();
  const res = await api(op1, 'PUT', `/api/consultations/${id}`, {
    baseRevision: 0,
    channel: 'call_back',
    data: {
      contactKind: 'about_self',
      survivor: { region: 'KG-GB', ageBand: '26-40', gender: 'female' },
      consent: { referral },
    },
    secret: { notes: '', codeWord: '' },
  });
  expect(res.statusCode).toBe(201);
  return id;
}
const assess = (id: string, answers: Record<string, string>, override?: object) =>
  api(op1, 'PUT', `/api/consultations/${id}/risk`, {
    methodologyId: 'kg-hotline-risk',
    version: '0.1',
    answers,
    ...(override ? { override } : {}),
  });

async function portalPartner(): Promise<string> {
  const { rows } = await t.db.pool.query<{ id: string }>(
    "SELECT id FROM partner_orgs WHERE channel = 'portal' AND active ORDER BY slug LIMIT 1",
  );
  return rows[0]?.id as string;
}
async function refer(consultationId: string, consent: object): Promise<string> {
  const res = await api(op1, 'POST', '/api/referrals', {
    id: crypto.randomUUID(),
    consultationId,
    partnerId: await portalPartner(),
    urgency: 'urgent',
    consent,
    fields: ['region'],
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as string;
}

describe('each kind is raised by its cause and resolved when it ends', () => {
  it('long_wait: a call waiting past ALERT_WAIT_SECONDS; resolved as soon as it is answered', async () => {
    await post(callEvent('aw-1', 'call.offered', clock.now()));
    const callId = await callIdOf('aw-1');
    await sync();
    expect(await alertOf('long_wait', (a) => a.call?.id === callId)).toBeUndefined();

    clock.shift(61_000);
    // Time alone raised it: the server's kick (as the worker's sweep does) finds it and pushes it.
    t.app.alerts.kick();
    const raised = await until('alert:changed open', async () =>
      seen.find((a) => a.kind === 'long_wait' && a.call?.id === callId && a.state === 'open'),
    );
    const alert = await alertOf('long_wait', (a) => a.id === raised.id);
    expect(alert).toMatchObject({
      state: 'open',
      acknowledgedBy: null,
      resolvedAt: null,
      consultation: null,
    });

    // Answered at operator1's extension: the server's kick resolves it without waiting for a sweep.
    await post(callEvent('aw-1', 'call.answered', clock.now(), { extension: '101' }));
    const resolved = await pushed(alert?.id as string, 'resolved');
    expect(resolved.resolvedAt).not.toBeNull();
    await post(callEvent('aw-1', 'call.ended', clock.now()));
  });

  it('unknown_extension: answered at an extension nobody holds; resolved when a supervisor assigns it', async () => {
    await post(callEvent('ux-1', 'call.offered', clock.now()));
    await post(callEvent('ux-1', 'call.answered', clock.now(), { extension: '999' }));
    const callId = await callIdOf('ux-1');
    const alert = await until('unknown extension alert', () =>
      alertOf('unknown_extension', (a) => a.call?.id === callId),
    );
    expect(alert).toMatchObject({ state: 'open', call: { id: callId, extension: '999' } });
    const assign = await api(sup, 'POST', `/api/queue/calls/${callId}/assign`, {
      operatorId: await userIdOf('operator2'),
    });
    expect(assign.statusCode, assign.body).toBe(200);
    await pushed(alert.id, 'resolved');
    await post(callEvent('ux-1', 'call.ended', clock.now()));
  });

  it('wrap_up_long: after-call work past ALERT_WRAP_UP_SECONDS, one per wrap-up; resolved when it ends', async () => {
    await post(callEvent('wu-1', 'call.offered', clock.now()));
    await post(callEvent('wu-1', 'call.answered', clock.now(), { extension: '103' }));
    await post(callEvent('wu-1', 'call.ended', clock.now()));
    const operator = await userIdOf('operator3');
    await sync();
    expect(await alertOf('wrap_up_long', (a) => a.operator?.id === operator)).toBeUndefined();
    clock.shift(301_000);
    await sync();
    const alert = await alertOf('wrap_up_long', (a) => a.operator?.id === operator && a.state === 'open');
    expect(alert).toMatchObject({ operator: { displayName: 'Елена Смирнова' } });
    // A second sync finds the same wrap-up: nothing new.
    expect((await sync()).filter((a) => a.kind === 'wrap_up_long')).toEqual([]);

    const op3 = await signIn(t.app, 'operator3');
    expect((await api(op3, 'PUT', '/api/operators/me/status', { status: 'available' })).statusCode).toBe(200);
    await pushed(alert?.id as string, 'resolved');
  });

  it('critical_risk: a critical assessment; a later one below critical resolves it, and acknowledging resolves it', async () => {
    const first = await consultation();
    expect((await assess(first, { present_danger_now: 'yes' })).json().record.finalLevel).toBe('critical');
    const alert = await until('critical alert', () =>
      alertOf('critical_risk', (a) => a.consultation?.id === first),
    );
    expect(alert).toMatchObject({
      state: 'open',
      consultation: { id: first, reference: expect.stringMatching(/^K-\d{4}-\d{6}$/), level: 'critical' },
      operator: { displayName: 'Айгүл Асанова' },
    });
    // Re-assessed lower: the consultation is no longer critical.
    expect((await assess(first, { weapon: 'yes' })).json().record.finalLevel).toBe('high');
    await pushed(alert.id, 'resolved');
    // Raised again? Never: one alert per consultation, ever.
    await assess(first, { present_danger_now: 'yes' });
    await sync();
    const rows = await t.db.pool.query(
      "SELECT count(*) FROM alerts WHERE cause_key = 'critical_risk:' || $1",
      [first],
    );
    expect(Number(rows.rows[0].count)).toBe(1);

    const second = await consultation();
    await assess(second, { present_danger_now: 'yes' });
    const other = await until('critical alert', () =>
      alertOf('critical_risk', (a) => a.consultation?.id === second),
    );
    const ack = await api(sup, 'POST', `/api/alerts/${other.id}/acknowledge`);
    expect(ack.json()).toMatchObject({
      state: 'resolved',
      acknowledgedBy: { displayName: 'Гүлнара Жумабаева' },
    });
    await sync();
    expect((await alertOf('critical_risk', (a) => a.id === other.id))?.state).toBe('resolved');
  });

  it('override_pending: a lowered level awaiting sign-off; resolved when signed off', async () => {
    const id = await consultation();
    const lower = await assess(
      id,
      {
        injury_latest: 'yes',
        very_frightened: 'yes',
        separation_recent: 'yes',
        stalking: 'yes',
        more_severe: 'yes',
      },
      { level: 'low', reason: 'The injury was an accident, checked' },
    );
    expect(lower.json().record.override.status).toBe('pending_sign_off');
    const assessmentId = lower.json().record.id as string;
    const alert = await until('override alert', () =>
      alertOf('override_pending', (a) => a.override?.assessmentId === assessmentId),
    );
    expect(alert).toMatchObject({
      state: 'open',
      consultation: { id, level: 'medium' },
      override: {
        computedLevel: 'medium',
        requestedLevel: 'low',
        status: 'pending_sign_off',
        decidedBy: null,
      },
    });
    // No free text: the operator's reason is not in the alert.
    expect(JSON.stringify(alert)).not.toContain('accident');
    const signed = await api(sup, 'POST', `/api/risk/assessments/${assessmentId}/sign-off`, {
      approve: true,
    });
    expect(signed.statusCode).toBe(200);
    const resolved = await pushed(alert.id, 'resolved');
    expect(resolved.override).toMatchObject({
      status: 'signed',
      decidedBy: { displayName: 'Гүлнара Жумабаева' },
    });
  });

  it('consent_exception: a referral sent under an exception; only an acknowledgement resolves it', async () => {
    const k = await consultation('no');
    const referralId = await refer(k, {
      exception: 'child_at_risk',
      reason: 'The child was beaten today and is alone with him',
    });
    const alert = await until('exception alert', () =>
      alertOf('consent_exception', (a) => a.referral?.id === referralId),
    );
    expect(alert).toMatchObject({
      state: 'open',
      referral: {
        id: referralId,
        reference: expect.stringMatching(/^R-\d{4}-\d{6}$/),
        urgency: 'urgent',
        consentException: 'child_at_risk',
        partner: { name: { en: expect.any(String) } },
      },
      consultation: { id: k },
    });
    expect(JSON.stringify(alert)).not.toContain('beaten');
    await sync();
    expect((await alertOf('consent_exception', (a) => a.id === alert.id))?.state).toBe('open');
    await api(sup, 'POST', `/api/alerts/${alert.id}/acknowledge`);
    expect((await alertOf('consent_exception', (a) => a.id === alert.id))?.state).toBe('resolved');
  });

  it('referral_escalated and referral_failed: while the referral is in that state; a retried one that fails again alerts again', async () => {
    const k = await consultation();
    const escalated = await refer(k, { basis: 'caller_consent' });
    await transition(t.db.pool, escalated, 'escalated', { from: ['queued'], actor: 'worker' });
    await sync();
    const e = await alertOf('referral_escalated', (a) => a.referral?.id === escalated);
    expect(e).toMatchObject({ state: 'open', referral: { urgency: 'urgent', consentException: null } });
    // The partner acknowledges it at last.
    await transition(t.db.pool, escalated, 'acknowledged', { from: ['escalated'], actor: 'partner-webhook' });
    await sync();
    expect((await alertOf('referral_escalated', (a) => a.id === e?.id))?.state).toBe('resolved');

    const failing = await refer(k, { basis: 'caller_consent' });
    await transition(t.db.pool, failing, 'failed', {
      from: ['queued'],
      actor: 'worker',
      note: 'the partner answered 500',
    });
    await sync();
    const first = await alertOf('referral_failed', (a) => a.referral?.id === failing);
    expect(first?.state).toBe('open');
    expect(JSON.stringify(first)).not.toContain('answered');
    // A supervisor retries it (the server's kick resolves the alert), and it fails again: a new alert.
    expect((await api(sup, 'POST', `/api/referrals/${failing}/retry`)).statusCode).toBe(200);
    await pushed(first?.id as string, 'resolved');
    await transition(t.db.pool, failing, 'failed', { from: ['queued'], actor: 'worker' });
    await sync();
    const again = (await listed()).filter((a) => a.kind === 'referral_failed' && a.referral?.id === failing);
    expect(again.map((a) => a.state).sort()).toEqual(['open', 'resolved']);
  });

  it('follow_up_overdue: a due follow-up past its overdue time; resolved when it is closed', async () => {
    const k = await consultation();
    const { rows } = await t.db.pool.query<{ id: string }>(
      `INSERT INTO follow_ups (consultation_id, kind, source, due_at, raise_at, raised_at, created_by)
       SELECT $1, 'callback', 'callback', $2, $2, $2, id FROM users WHERE username = 'operator1' RETURNING id`,
      [k, new Date(clock.now().getTime() - 90 * MINUTE)],
    );
    const followUpId = rows[0]?.id as string;
    await sync();
    // Raised 90 minutes ago without a window: overdue only two hours after raising.
    expect(await alertOf('follow_up_overdue', (a) => a.followUpId === followUpId)).toBeUndefined();
    clock.shift(31 * MINUTE);
    await sync();
    const alert = await alertOf('follow_up_overdue', (a) => a.followUpId === followUpId);
    expect(alert).toMatchObject({ state: 'open', consultation: { id: k }, operator: null });
    await t.db.pool.query("UPDATE follow_ups SET state = 'cancelled', closed_at = now() WHERE id = $1", [
      followUpId,
    ]);
    await sync();
    expect((await alertOf('follow_up_overdue', (a) => a.id === alert?.id))?.state).toBe('resolved');
  });
});

describe('raised once, whoever finds it', () => {
  it('two (and more) syncs at the same instant raise one alert, returned by one of them', async () => {
    await post(callEvent('race-1', 'call.offered', clock.now()));
    const callId = await callIdOf('race-1');
    clock.shift(61_000);
    const results = await Promise.all(Array.from({ length: 6 }, () => sync()));
    const raised = results.flat().filter((a) => a.kind === 'long_wait' && a.call?.id === callId);
    expect(raised).toHaveLength(1);
    const { rows } = await t.db.pool.query(
      "SELECT count(*) FROM alerts WHERE call_id = $1 AND kind = 'long_wait'",
      [callId],
    );
    expect(Number(rows[0].count)).toBe(1);
    await post(callEvent('race-1', 'call.abandoned', clock.now()));
    await pushed(raised[0]?.id as string, 'resolved');
  });
});

describe('acknowledging', () => {
  it('is audited and pushed to every supervisor; idempotent, naming who did it; 404 and 400 otherwise', async () => {
    const other = await connectConsole(t.baseUrl, sup2);
    sockets.push(other);
    const atOther: BoardAlert[] = [];
    other.on('alert:changed', (a) => atOther.push(a));

    await post(callEvent('ack-1', 'call.offered', clock.now()));
    const callId = await callIdOf('ack-1');
    clock.shift(61_000);
    t.app.alerts.kick();
    // The second supervisor sees it raised, live.
    const alert = await until('raised at the other board', async () =>
      atOther.find((a) => a.kind === 'long_wait' && a.call?.id === callId),
    );

    const ack = await api(sup, 'POST', `/api/alerts/${alert.id}/acknowledge`);
    expect(ack.statusCode).toBe(200);
    expect(ack.json()).toMatchObject({
      id: alert.id,
      state: 'acknowledged',
      acknowledgedBy: { displayName: 'Гүлнара Жумабаева' },
      resolvedAt: null,
    });
    const pushedThere = await until('acknowledged at the other board', async () =>
      atOther.find((a) => a.id === alert.id && a.state === 'acknowledged'),
    );
    expect(pushedThere.acknowledgedBy?.displayName).toBe('Гүлнара Жумабаева');
    const audit = await t.db.pool.query(
      "SELECT actor_id, details FROM audit_log WHERE action = 'alert.acknowledged' AND target_id = $1",
      [alert.id],
    );
    expect(audit.rows).toEqual([
      { actor_id: await userIdOf('supervisor'), details: { kind: 'long_wait', state: 'acknowledged' } },
    ]);

    // The other supervisor acknowledges too: 200, naming the first; nothing more audited.
    const again = await api(sup2, 'POST', `/api/alerts/${alert.id}/acknowledge`);
    expect(again.statusCode).toBe(200);
    expect(again.json().acknowledgedBy.displayName).toBe('Гүлнара Жумабаева');
    expect(
      (
        await t.db.pool.query(
          "SELECT count(*) FROM audit_log WHERE action = 'alert.acknowledged' AND target_id = $1",
          [alert.id],
        )
      ).rows[0].count,
    ).toBe(1);

    // Acknowledged, it stays until its cause ends; then it is resolved and keeps who acknowledged it.
    await sync();
    expect((await alertOf('long_wait', (a) => a.id === alert.id))?.state).toBe('acknowledged');
    await post(callEvent('ack-1', 'call.abandoned', clock.now()));
    const resolved = await pushed(alert.id, 'resolved');
    expect(resolved.acknowledgedBy?.displayName).toBe('Гүлнара Жумабаева');

    const unknown = await api(sup, 'POST', `/api/alerts/${crypto.randomUUID()}/acknowledge`);
    expect(unknown.statusCode).toBe(404);
    const bad = await api(sup, 'POST', '/api/alerts/not-an-id/acknowledge');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().issues[0]).toMatchObject({
      path: 'params.id',
      message: 'The alert id must be a UUID.',
    });
  });

  it('a resolved alert can still be acknowledged', async () => {
    await post(callEvent('late-1', 'call.offered', clock.now()));
    const callId = await callIdOf('late-1');
    clock.shift(61_000);
    await sync();
    const alert = (await alertOf('long_wait', (a) => a.call?.id === callId)) as BoardAlert;
    await post(callEvent('late-1', 'call.abandoned', clock.now()));
    await pushed(alert.id, 'resolved');
    const ack = await api(sup2, 'POST', `/api/alerts/${alert.id}/acknowledge`);
    expect(ack.json()).toMatchObject({
      state: 'resolved',
      acknowledgedBy: { displayName: 'Бермет Осмонова' },
    });
  });
});

describe('alerts stay', () => {
  it('after a reload or a new sign-in, an open alert is still listed; acknowledged and resolved ones for 12 hours', async () => {
    await post(callEvent('stay-1', 'call.offered', clock.now()));
    const callId = await callIdOf('stay-1');
    clock.shift(61_000);
    await sync();
    const alert = (await alertOf('long_wait', (a) => a.call?.id === callId)) as BoardAlert;

    // A new session (a reload after sign-out, another device) lists it.
    const fresh = await signIn(t.app, 'supervisor2', TEST_PASSWORD);
    const list = await api(fresh, 'GET', '/api/alerts');
    expect(list.statusCode).toBe(200);
    const body = list.json() as AlertList;
    expect(body.alerts.find((a) => a.id === alert.id)?.state).toBe('open');
    expect(Date.parse(body.serverTime)).toBeGreaterThan(Date.now() + 60_000);
    // Newest first.
    const raised = body.alerts.map((a) => Date.parse(a.raisedAt));
    expect(raised).toEqual([...raised].sort((a, b) => b - a));

    await post(callEvent('stay-1', 'call.abandoned', clock.now()));
    await pushed(alert.id, 'resolved');
    expect((await listed(fresh)).some((a) => a.id === alert.id)).toBe(true);
    clock.shift(12 * 60 * MINUTE + MINUTE);
    expect((await listed(fresh)).some((a) => a.id === alert.id)).toBe(false);
  });

  it('operators get 403', async () => {
    expect((await api(op1, 'GET', '/api/alerts')).statusCode).toBe(403);
    expect((await api(op1, 'POST', `/api/alerts/${crypto.randomUUID()}/acknowledge`)).statusCode).toBe(403);
  });
});

describe('the worker', () => {
  it('raises a long wait by its sweep (ALERT_SWEEP_SECONDS) and pushes it to the supervisors', async () => {
    const worker = await startTestWorker(
      t.databaseUrl,
      { ...t.env, ALERT_WAIT_SECONDS: 30, ALERT_SWEEP_SECONDS: 1 },
      { clock },
    );
    try {
      const offeredAt = new Date(clock.now().getTime() - 45_000);
      await post(callEvent('sweep-1', 'call.offered', offeredAt));
      const callId = await callIdOf('sweep-1');
      const alert = await until(
        'the sweep’s alert',
        async () => seen.find((a) => a.kind === 'long_wait' && a.call?.id === callId && a.state === 'open'),
        15_000,
      );
      // The server's own sync (ALERT_WAIT_SECONDS 60) did not raise it: the worker's (30) did.
      expect(alert.causeAt).toBe(offeredAt.toISOString());
      await post(callEvent('sweep-1', 'call.abandoned', clock.now()));
      await pushed(alert.id, 'resolved');
    } finally {
      await worker.stop();
    }
  });
});
