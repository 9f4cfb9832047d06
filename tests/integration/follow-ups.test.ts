import {
  type ConsoleSocket,
  connectConsole,
  createTestApp,
  type ShiftedClock,
  shiftedClock,
  signIn,
  startTestWorker,
  type TestApp,
  testQueues,
} from '@korgon/dev/testing';
import { type ChainEntry, type FollowUp, type FollowUpList, jobIds } from '@korgon/domain';
import type { JobQueues } from '@korgon/jobs';
import { reconcile, type WorkerHandle } from '@korgon/worker';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

/**
 * Follow-ups end to end on real PostgreSQL, Redis, Socket.IO and worker, with one clock shared by the server
 * and the worker that the test moves forward: made when a consultation is finalized, raised by their job (or
 * by the reconciler when Redis lost it or its time passed meanwhile), pushed to the assignee and the board,
 * done by the call-back consultation they open.
 */
let t: TestApp;
let worker: WorkerHandle;
let jobs: JobQueues;
let clock: ShiftedClock;
const cookies: Record<string, string> = {};
const sockets: ConsoleSocket[] = [];
const DAY = 24 * 3_600_000;

beforeAll(async () => {
  clock = shiftedClock();
  t = await createTestApp({ listen: true, label: 'follow-ups', clock });
  worker = await startTestWorker(t.databaseUrl, t.env, { clock });
  jobs = testQueues(t.env);
  for (const u of ['operator1', 'operator2', 'supervisor']) cookies[u] = await signIn(t.app, u);
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await jobs?.close();
  await worker?.stop();
  await t?.close();
});

const api = (user: string, method: 'GET' | 'PUT' | 'POST', url: string, payload?: unknown) =>
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
  safetyPlan: { exit_room: true },
};
const secret = { notes: 'sealed notes', codeWord: '', ifCallDrops: '' };

/** Bishkek's date (UTC+6) of the clock's now. */
const bishkekToday = () => new Date(clock.now().getTime() + 6 * 3_600_000).toISOString().slice(0, 10);

async function finalized(user: string, data: Record<string, unknown>, risk?: Record<string, string>) {
  const id = crypto.randomUUID();
  const save = await api(user, 'PUT', `/api/consultations/${id}`, {
    baseRevision: 0,
    channel: 'call',
    data: { ...complete, ...data },
    secret,
  });
  expect(save.statusCode).toBe(201);
  if (risk) {
    const r = await api(user, 'PUT', `/api/consultations/${id}/risk`, {
      methodologyId: 'kg-hotline-risk',
      version: '0.1',
      answers: risk,
    });
    expect(r.statusCode).toBe(200);
  }
  const fin = await api(user, 'POST', `/api/consultations/${id}/finalize`, { revision: 1 });
  expect(fin.statusCode).toBe(200);
  return id;
}

async function followUpsOf(consultationId: string) {
  const { rows } = await t.db.pool.query<{
    id: string;
    kind: string;
    source: string;
    state: string;
    due_at: Date;
    raise_at: Date;
    raised_at: Date | null;
    assignee_id: string | null;
  }>('SELECT * FROM follow_ups WHERE consultation_id = $1 ORDER BY due_at', [consultationId]);
  return rows;
}

async function userId(username: string) {
  const { rows } = await t.db.pool.query<{ id: string }>('SELECT id FROM users WHERE username = $1', [
    username,
  ]);
  return rows[0]?.id as string;
}

async function auditCount(action: string, targetId: string) {
  const { rows } = await t.db.pool.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM audit_log WHERE action = $1 AND target_id = $2',
    [action, targetId],
  );
  return rows[0]?.n ?? 0;
}

/** A console's socket that records follow-up pushes. */
async function listen(user: string) {
  const s = await connectConsole(t.baseUrl, cookies[user] ?? '', t.baseUrl);
  sockets.push(s);
  const raised: FollowUp[] = [];
  const changed: FollowUp[] = [];
  s.on('follow-up:raised', (f) => raised.push(f));
  s.on('follow-up:changed', (f) => changed.push(f));
  return { raised, changed };
}

describe('follow-ups', () => {
  it('are made at finalizing from the agreed call-back, a temporary order and the methodology’s timed action', async () => {
    const op1 = await userId('operator1');
    const id = await finalized(
      'operator1',
      {
        followUp: { agreed: true, due: new Date(clock.now().getTime() + 2 * DAY).toISOString() },
        safeContact: { callbackFrom: '18:00', callbackTo: '20:00' },
        protectionOrder: { has: 'yes', kind: 'temporary', issuedOn: bishkekToday() },
      },
      { strangulation: 'yes' }, // a red flag: high, whose actions include "follow-up within 24 hours"
    );
    const rows = await followUpsOf(id);
    expect(rows.map((r) => [r.kind, r.source, r.assignee_id])).toEqual([
      ['risk_action', 'follow_up_24h', op1],
      ['callback', 'callback', op1],
      ['order_checkin', 'order_checkin', null],
      ['order_reassess', 'order_reassess', null],
    ]);
    // Each is raised inside the caller's window (18:00–20:00 in Bishkek), and its job waits until then.
    for (const r of rows) {
      const localHour = new Date(r.raise_at.getTime() + 6 * 3_600_000).getUTCHours();
      expect(localHour).toBeGreaterThanOrEqual(18);
      expect(localHour).toBeLessThan(20);
      expect(r.raise_at.getTime()).toBeGreaterThanOrEqual(r.due_at.getTime());
      expect(await auditCount('follow_up.created', r.id)).toBe(1);
      const job = await jobs.queues.timers.getJob(jobIds.followUpRaise(r.id));
      expect(await job?.getState()).toBe('delayed');
      expect(Math.abs((job?.timestamp ?? 0) + (job?.delay ?? 0) - r.raise_at.getTime())).toBeLessThan(2000);
    }
    // The order's check-in is 25 days after it was issued (5 before its 30 days run out).
    // It is due at 10:00 Bishkek time on that day, whatever time of day the test runs.
    const checkin = rows.find((r) => r.kind === 'order_checkin');
    const [y, m, d] = bishkekToday().split('-').map(Number);
    expect(checkin?.due_at.toISOString()).toBe(
      new Date(Date.UTC(y ?? 0, (m ?? 1) - 1, (d ?? 1) + 25, 10 - 6)).toISOString(),
    );

    // Idempotent: finalizing's plan run again for the same consultation makes nothing new.
    const { rows: k } = await t.db.pool.query('SELECT * FROM consultations WHERE id = $1', [id]);
    const client = await t.db.pool.connect();
    try {
      await t.app.followUps.finalized(client, k[0], {
        id: op1,
        role: 'operator',
      } as Parameters<typeof t.app.followUps.finalized>[2]);
    } finally {
      client.release();
    }
    expect(await followUpsOf(id)).toHaveLength(4);
  });

  it('raise themselves at their time, pushed to the assignee and the board, and turn done by a linked call-back', async () => {
    const op1Live = await listen('operator1');
    const op2Live = await listen('operator2');
    const boardLive = await listen('supervisor');
    const id = await finalized('operator1', {
      protectionOrder: { has: 'yes', kind: 'temporary', issuedOn: bishkekToday() },
    });
    const [checkin] = await followUpsOf(id);
    expect(checkin?.kind).toBe('order_checkin');
    const fid = checkin?.id as string;

    // Not due on the shift's worklist before its time: listed as coming later, with its kind, time and reference.
    const before = (await api('operator2', 'GET', '/api/follow-ups?scope=shift')).json() as FollowUpList;
    expect(before.items.map((i) => i.id)).not.toContain(fid);
    expect(before.upcoming).toBeGreaterThanOrEqual(1);
    const { rows: ref } = await t.db.pool.query('SELECT reference FROM consultations WHERE id = $1', [id]);
    expect(before.upcomingItems.find((i) => i.id === fid)).toMatchObject({
      kind: 'order_checkin',
      phase: 'upcoming',
      reference: ref[0]?.reference,
      raiseAt: checkin?.raise_at.toISOString(),
    });
    const raiseTimes = before.upcomingItems.map((i) => i.raiseAt);
    expect(raiseTimes).toEqual([...raiseTimes].sort());
    // operator1's own list holds none of the shift's.
    const op1Before = (await api('operator1', 'GET', '/api/follow-ups?scope=mine')).json() as FollowUpList;
    expect(op1Before.upcomingItems.map((i) => i.id)).not.toContain(fid);

    // 25 days later (the clock moves; the job in Redis still waits for the real time): the reconciler finds it
    // due and runs its job now; the worker raises it once.
    clock.set(new Date((checkin?.raise_at.getTime() ?? 0) + 60_000));
    await worker.reconcileNow();
    await vi.waitFor(() => expect(op2Live.raised.map((f) => f.id)).toContain(fid), { timeout: 10_000 });
    await vi.waitFor(() => expect(boardLive.raised.map((f) => f.id)).toContain(fid), { timeout: 10_000 });
    // The shift's: every operator hears of it.
    await vi.waitFor(() => expect(op1Live.raised.map((f) => f.id)).toContain(fid), { timeout: 10_000 });
    const pushed = op2Live.raised.find((f) => f.id === fid);
    expect(pushed).toMatchObject({ kind: 'order_checkin', state: 'due', phase: 'due', assignee: null });
    expect(await auditCount('follow_up.raised', fid)).toBe(1);
    await worker.reconcileNow();
    expect(await auditCount('follow_up.raised', fid)).toBe(1);

    const shift = (await api('operator2', 'GET', '/api/follow-ups?scope=shift')).json() as FollowUpList;
    expect(shift.items.find((i) => i.id === fid)?.phase).toBe('due');

    // operator2 does it: a call-back draft linked to the earlier consultation, and the follow-up is hers.
    const newId = crypto.randomUUID();
    const start = await api('operator2', 'POST', `/api/follow-ups/${fid}/start`, { consultationId: newId });
    expect(start.statusCode).toBe(201);
    expect(start.json()).toMatchObject({
      consultationId: newId,
      followUp: { assignee: { id: await userId('operator2') } },
    });
    // A retry answers with the same draft; another operator is told who is calling.
    expect(
      (
        await api('operator2', 'POST', `/api/follow-ups/${fid}/start`, {
          consultationId: crypto.randomUUID(),
        })
      ).json().consultationId,
    ).toBe(newId);
    const other = await api('operator1', 'POST', `/api/follow-ups/${fid}/start`, {
      consultationId: crypto.randomUUID(),
    });
    expect(other.statusCode).toBe(403);
    expect(other.json().message).toMatch(/a supervisor can hand it over/);

    const draft = (await api('operator2', 'GET', `/api/consultations/${newId}`)).json();
    expect(draft).toMatchObject({ channel: 'call_back', previousId: id, followUpId: fid, status: 'draft' });
    await vi.waitFor(() =>
      expect(op2Live.changed.find((f) => f.id === fid)?.startedConsultationId).toBe(newId),
    );

    // Its chain: the earlier contact (operator1's, read through the chain: audited) and this one.
    const chain = (await api('operator2', 'GET', `/api/consultations/${newId}/chain`)).json() as ChainEntry[];
    expect(chain.map((e) => [e.id, e.current, e.previousId])).toEqual([
      [id, false, null],
      [newId, true, id],
    ]);
    expect(chain[0]?.followUps.map((f) => f.kind)).toEqual(['order_checkin', 'order_reassess']);
    expect(chain[1]?.followUpKind).toBe('order_checkin');
    expect(JSON.stringify(chain)).not.toContain('sealed notes');
    const { rows: reads } = await t.db.pool.query<{ details: { via: string; from: string } }>(
      `SELECT details FROM audit_log WHERE action = 'consultation.read' AND target_id = $1 AND actor_id = $2`,
      [id, await userId('operator2')],
    );
    expect(reads.map((r) => r.details)).toEqual([{ via: 'chain', from: newId }]);

    // Finalizing the call-back makes the follow-up done, audited and pushed.
    expect(
      (
        await api('operator2', 'PUT', `/api/consultations/${newId}`, {
          baseRevision: 0,
          channel: 'call_back',
          data: complete,
          secret,
        })
      ).statusCode,
    ).toBe(200);
    expect(
      (await api('operator2', 'POST', `/api/consultations/${newId}/finalize`, { revision: 1 })).statusCode,
    ).toBe(200);
    const [done] = await followUpsOf(id);
    expect(done?.state).toBe('done');
    expect(await auditCount('follow_up.done', fid)).toBe(1);
    await vi.waitFor(() =>
      expect(boardLive.changed.find((f) => f.id === fid && f.state === 'done')?.doneBy).toBe(newId),
    );
    const mine = (await api('operator2', 'GET', '/api/follow-ups?scope=mine')).json() as FollowUpList;
    expect(mine.items.find((i) => i.id === fid)).toMatchObject({ state: 'done', phase: 'closed' });
  });

  it('are taken, marked missed or cancelled with a reason, by those allowed', async () => {
    const id = await finalized('operator1', {
      protectionOrder: { has: 'yes', kind: 'temporary', issuedOn: bishkekToday() },
    });
    const [checkin, reassess] = await followUpsOf(id);
    const a = checkin?.id as string;
    const b = reassess?.id as string;

    expect(
      (await api('operator1', 'POST', `/api/follow-ups/${a}/take`)).json().assignee.displayName,
    ).toBeTruthy();
    expect(await auditCount('follow_up.taken', a)).toBe(1);
    const taken = await api('operator2', 'POST', `/api/follow-ups/${a}/take`);
    expect(taken.statusCode).toBe(403);

    const noReason = await api('operator1', 'POST', `/api/follow-ups/${a}/missed`, { reason: ' ' });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.body).toMatch(/Say why/);
    const missed = await api('operator1', 'POST', `/api/follow-ups/${a}/missed`, {
      reason: 'no answer three times',
    });
    expect(missed.statusCode).toBe(200);
    expect(missed.json()).toMatchObject({
      state: 'missed',
      phase: 'closed',
      reason: 'no answer three times',
    });
    // The reason is sealed at rest.
    const { rows } = await t.db.pool.query<{ reason_sealed: Buffer }>(
      'SELECT reason_sealed FROM follow_ups WHERE id = $1',
      [a],
    );
    expect(rows[0]?.reason_sealed.toString('latin1')).not.toContain('no answer');
    expect(
      (await api('operator1', 'POST', `/api/follow-ups/${a}/cancel`, { reason: 'again' })).statusCode,
    ).toBe(409);
    expect(await auditCount('follow_up.missed', a)).toBe(1);

    // A supervisor may cancel anyone's; partners and unknown ids get clear answers.
    const cancelled = await api('supervisor', 'POST', `/api/follow-ups/${b}/cancel`, {
      reason: 'order revoked by court',
    });
    expect(cancelled.json()).toMatchObject({ state: 'cancelled' });
    expect(await auditCount('follow_up.cancelled', b)).toBe(1);
    expect((await api('operator1', 'POST', `/api/follow-ups/${crypto.randomUUID()}/take`)).statusCode).toBe(
      404,
    );
    const bad = await api('operator1', 'POST', '/api/follow-ups/not-a-uuid/take');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/UUID/);
  });

  it('a supervisor hands one to another operator or back to the shift: audited, pushed to both and the board', async () => {
    const [op1, op2, sup] = [
      await userId('operator1'),
      await userId('operator2'),
      await userId('supervisor'),
    ];
    const id = await finalized('operator1', {
      followUp: { agreed: true, due: new Date(clock.now().getTime() + 2 * DAY).toISOString() },
    });
    const callback = (await followUpsOf(id)).find((r) => r.kind === 'callback');
    expect(callback?.assignee_id).toBe(op1);
    const fid = callback?.id as string;
    const op1Live = await listen('operator1');
    const op2Live = await listen('operator2');
    const boardLive = await listen('supervisor');

    // Operators cannot hand over, not even their own.
    const refused = await api('operator1', 'POST', `/api/follow-ups/${fid}/assign`, { assigneeId: op2 });
    expect(refused.statusCode).toBe(403);

    // To operator2: the one who had it, the one who has it and the board all hear of it.
    const handed = await api('supervisor', 'POST', `/api/follow-ups/${fid}/assign`, { assigneeId: op2 });
    expect(handed.statusCode, handed.body).toBe(200);
    expect(handed.json()).toMatchObject({ id: fid, assignee: { id: op2 }, state: 'due' });
    for (const live of [op1Live, op2Live, boardLive])
      await vi.waitFor(() =>
        expect(live.changed.find((f) => f.id === fid && f.assignee?.id === op2)).toBeDefined(),
      );
    const { rows: audits } = await t.db.pool.query<{ actor_id: string; details: unknown }>(
      "SELECT actor_id, details FROM audit_log WHERE action = 'follow_up.assigned' AND target_id = $1",
      [fid],
    );
    expect(audits).toEqual([{ actor_id: sup, details: { from: op1, to: op2 } }]);
    expect((await api('operator2', 'GET', '/api/follow-ups?scope=mine')).json().upcomingItems).toContainEqual(
      expect.objectContaining({ id: fid }),
    );
    expect(
      (
        (await api('operator1', 'GET', '/api/follow-ups?scope=mine')).json() as FollowUpList
      ).upcomingItems.map((i) => i.id),
    ).not.toContain(fid);

    // Back to the shift: operator2 (who had it) and every operator hear of it.
    const back = await api('supervisor', 'POST', `/api/follow-ups/${fid}/assign`, { assigneeId: null });
    expect(back.json()).toMatchObject({ assignee: null });
    for (const live of [op1Live, op2Live, boardLive])
      await vi.waitFor(() =>
        expect(live.changed.find((f) => f.id === fid && f.assignee === null)).toBeDefined(),
      );
    expect(await auditCount('follow_up.assigned', fid)).toBe(2);
    // The same again changes nothing and writes no audit entry.
    expect(
      (await api('supervisor', 'POST', `/api/follow-ups/${fid}/assign`, { assigneeId: null })).statusCode,
    ).toBe(200);
    expect(await auditCount('follow_up.assigned', fid)).toBe(2);

    // Bad input gets answers a person can act on.
    const partner = (
      await t.db.pool.query<{ id: string }>("SELECT id FROM users WHERE role = 'partner' LIMIT 1")
    ).rows[0]?.id;
    const notWorker = await api('supervisor', 'POST', `/api/follow-ups/${fid}/assign`, {
      assigneeId: partner,
    });
    expect(notWorker.statusCode).toBe(400);
    expect(notWorker.json().message).toMatch(/does not work follow-ups/);
    const nobody = await api('supervisor', 'POST', `/api/follow-ups/${fid}/assign`, {
      assigneeId: crypto.randomUUID(),
    });
    expect(nobody.statusCode).toBe(400);
    expect(nobody.json().message).toMatch(/does not exist/);
    const garbled = await api('supervisor', 'POST', `/api/follow-ups/${fid}/assign`, { assigneeId: 'op2' });
    expect(garbled.statusCode).toBe(400);
    expect(garbled.json().message).toMatch(/UUID/);
    expect(
      (await api('supervisor', 'POST', `/api/follow-ups/${crypto.randomUUID()}/assign`, { assigneeId: op2 }))
        .statusCode,
    ).toBe(404);

    // Once a call-back is open, it stays with the one calling until that draft is finalized.
    expect(
      (
        await api('operator2', 'POST', `/api/follow-ups/${fid}/start`, {
          consultationId: crypto.randomUUID(),
        })
      ).statusCode,
    ).toBe(201);
    const busy = await api('supervisor', 'POST', `/api/follow-ups/${fid}/assign`, { assigneeId: op1 });
    expect(busy.statusCode).toBe(409);
    expect(busy.json().message).toMatch(/calling back already/);
  });

  it('the reconciler gives a follow-up whose job Redis lost its job again, and raises one overdue after downtime', async () => {
    const id = await finalized('operator1', {
      protectionOrder: { has: 'yes', kind: 'temporary', issuedOn: bishkekToday() },
    });
    const [checkin, reassess] = await followUpsOf(id);
    const lost = checkin?.id as string;
    const overdue = reassess?.id as string;
    // Redis loses both jobs.
    await jobs.remove('follow-up.raise', [jobIds.followUpRaise(lost), jobIds.followUpRaise(overdue)]);
    expect(await jobs.queues.timers.getJobState(jobIds.followUpRaise(lost))).toBe('unknown');
    // Past the producer's grace period; meanwhile (downtime) the reassessment's time went by.
    await t.db.pool.query(
      "UPDATE follow_ups SET created_at = created_at - interval '10 seconds' WHERE consultation_id = $1",
      [id],
    );
    await t.db.pool.query(
      "UPDATE follow_ups SET raise_at = $2::timestamptz - interval '1 hour' WHERE id = $1",
      [overdue, clock.now()],
    );
    // The reconciler alone (no worker is needed to see it): the lost job comes back at PostgreSQL's time.
    const result = await reconcile(t.db.pool, jobs, 6, clock);
    expect(result.added).toBeGreaterThanOrEqual(2);
    const job = await jobs.queues.timers.getJob(jobIds.followUpRaise(lost));
    expect(await job?.getState()).toBe('delayed');
    const wall = (job?.timestamp ?? 0) + (job?.delay ?? 0);
    const expected = (checkin?.raise_at.getTime() ?? 0) - clock.now().getTime() + Date.now();
    expect(Math.abs(wall - expected)).toBeLessThan(2000);
    // The overdue one is raised by the running worker at once.
    await vi.waitFor(
      async () => expect((await followUpsOf(id)).find((r) => r.id === overdue)?.raised_at).not.toBeNull(),
      { timeout: 10_000 },
    );
    expect((await followUpsOf(id)).find((r) => r.id === lost)?.raised_at).toBeNull();
  });
});
