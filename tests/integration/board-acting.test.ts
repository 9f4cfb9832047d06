import {
  type ConsoleSocket,
  callEvent,
  connectConsole,
  createTestApp,
  postEvents,
  recordChanges,
  signIn,
  startTestWorker,
  type TestApp,
  testQueues,
} from '@korgon/dev/testing';
import { jobIds, type OperatorView, type QueueCall, type QueueSnapshot } from '@korgon/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The supervisor acting from the board (docs/board.md, "Acting"): operators' states set by a supervisor, a
 * waiting call given to a chosen operator, the wrap-up an operator holds, the short break offered after a
 * critical assessment. Real PostgreSQL, Redis and sockets; the worker where a job must run.
 */
let t: TestApp;
const sockets: ConsoleSocket[] = [];

beforeAll(async () => {
  t = await createTestApp({
    listen: true,
    label: 'acting',
    env: { WRAP_UP_SECONDS: '2', BREAK_OFFER_MINUTES: '7' },
  });
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await t?.close();
});

async function consoleOf(username: string) {
  const cookie = await signIn(t.app, username);
  const socket = await connectConsole(t.baseUrl, cookie);
  sockets.push(socket);
  return { cookie, socket, changes: recordChanges(socket) };
}

async function call(cookie: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${t.baseUrl}${path}`, {
    method,
    headers: {
      cookie,
      origin: t.baseUrl,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

const one = async <T>(sql: string, params: unknown[] = []) =>
  (await t.db.pool.query(sql, params)).rows[0] as T;
const userIdOf = async (username: string) =>
  (await one<{ id: string }>('SELECT id FROM users WHERE username = $1', [username])).id;
const callIdOf = async (externalId: string) =>
  (await one<{ id: string }>('SELECT id FROM calls WHERE external_id = $1', [externalId])).id;
const stateOf = (userId: string) =>
  one<{
    status: string;
    wrap_up_ends_at: Date | null;
    break_offered_at: Date | null;
    break_ends_at: Date | null;
  }>(
    'SELECT status, wrap_up_ends_at, break_offered_at, break_ends_at FROM operator_states WHERE user_id = $1',
    [userId],
  );
const audits = async (action: string, targetId: string) =>
  (
    await t.db.pool.query<{ actor_id: string; details: Record<string, unknown> }>(
      'SELECT actor_id, details FROM audit_log WHERE action = $1 AND target_id = $2 ORDER BY id',
      [action, targetId],
    )
  ).rows;
async function post(events: Parameters<typeof postEvents>[2]) {
  const res = await postEvents(t.app, t.env.TELEPHONY_SECRET, events);
  expect(res.statusCode, res.body).toBe(200);
}
/** A pushed change of this operator's state, matching, and later than `after` (a version already seen). */
const isOperator =
  (id: string, match: (o: OperatorView) => boolean, after = 0) =>
  (c: { version: number; kind: string; operator?: OperatorView }) =>
    c.version > after && c.kind === 'operator' && c.operator?.id === id && match(c.operator);
const lastVersion = (r: ReturnType<typeof recordChanges>) => Math.max(0, ...r.changes.map((c) => c.version));

describe('a supervisor sets an operator’s state', () => {
  it('puts an available operator on a break: audited with from and to, pushed to every console', async () => {
    const sup = await consoleOf('supervisor');
    const op = await consoleOf('operator1');
    const id = await userIdOf('operator1');
    await sup.changes.next(isOperator(id, (o) => o.status === 'available'));

    const res = await call(sup.cookie, 'PUT', `/api/operators/${id}/status`, { status: 'break' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, status: 'break', breakEndsAt: null });
    // Her own desk and the board both learn it from the push.
    await op.changes.next(isOperator(id, (o) => o.status === 'break'));
    await sup.changes.next(isOperator(id, (o) => o.status === 'break'));
    expect((await stateOf(id)).status).toBe('break');
    const supervisorId = await userIdOf('supervisor');
    expect(await audits('operator.status_set', id)).toEqual([
      { actor_id: supervisorId, details: { from: 'available', to: 'break' } },
    ]);

    // The same state again changes nothing and writes nothing.
    expect((await call(sup.cookie, 'PUT', `/api/operators/${id}/status`, { status: 'break' })).status).toBe(
      200,
    );
    expect(await audits('operator.status_set', id)).toHaveLength(1);

    const back = await call(sup.cookie, 'PUT', `/api/operators/${id}/status`, { status: 'available' });
    expect(back.body.status).toBe('available');
    expect((await audits('operator.status_set', id)).map((a) => a.details)).toEqual([
      { from: 'available', to: 'break' },
      { from: 'break', to: 'available' },
    ]);
  });

  it('is for supervisors only, and answers an unknown operator with 404 and a bad id or state with 400', async () => {
    const op = await signIn(t.app, 'operator2');
    const target = await userIdOf('operator3');
    const forbidden = await call(op, 'PUT', `/api/operators/${target}/status`, { status: 'offline' });
    expect(forbidden.status).toBe(403);
    const sup = await signIn(t.app, 'supervisor');
    expect(
      (await call(sup, 'PUT', `/api/operators/${crypto.randomUUID()}/status`, { status: 'break' })).status,
    ).toBe(404);
    // A manager is not someone who takes calls: no state to set.
    const manager = await userIdOf('manager');
    expect((await call(sup, 'PUT', `/api/operators/${manager}/status`, { status: 'break' })).status).toBe(
      404,
    );
    expect((await call(sup, 'PUT', '/api/operators/not-a-uuid/status', { status: 'break' })).status).toBe(
      400,
    );
    expect((await call(sup, 'PUT', `/api/operators/${target}/status`, { status: 'on_call' })).status).toBe(
      400,
    );
    expect(await audits('operator.status_set', target)).toEqual([]);
  });

  it('refuses while she is on a call that is still on the line (409), and frees her once its record is final', async () => {
    const sup = await signIn(t.app, 'supervisor');
    const id = await userIdOf('operator2');
    await post([
      callEvent('act-busy', 'call.offered', new Date(Date.now() - 20_000)),
      callEvent('act-busy', 'call.answered', new Date(Date.now() - 10_000), { extension: '102' }),
    ]);
    expect((await stateOf(id)).status).toBe('on_call');
    const refused = await call(sup, 'PUT', `/api/operators/${id}/status`, { status: 'available' });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/is on a call/);
    expect((await stateOf(id)).status).toBe('on_call');

    // The PBX never said the call ended, but its consultation is recorded: the supervisor may free her.
    await t.db.pool.query("UPDATE consultations SET status = 'final' WHERE call_id = $1", [
      await callIdOf('act-busy'),
    ]);
    const freed = await call(sup, 'PUT', `/api/operators/${id}/status`, { status: 'available' });
    expect(freed.status).toBe(200);
    expect((await stateOf(id)).status).toBe('available');
    expect((await audits('operator.status_set', id)).at(-1)?.details).toEqual({
      from: 'on_call',
      to: 'available',
    });
  });
});

describe('giving a waiting call to a chosen operator', () => {
  it('makes it hers at once: on call, its draft opened, "given by" on her desk, audited', async () => {
    const sup = await consoleOf('supervisor');
    const op = await consoleOf('operator3');
    const opId = await userIdOf('operator3');
    await t.db.pool.query("UPDATE operator_states SET status = 'available' WHERE user_id = $1", [opId]);
    await post(callEvent('act-give', 'call.offered', new Date(Date.now() - 15_000)));
    const callId = await callIdOf('act-give');

    const res = await call(sup.cookie, 'POST', `/api/queue/calls/${callId}/assign`, { operatorId: opId });
    expect(res.status).toBe(200);
    const supervisorId = await userIdOf('supervisor');
    expect(res.body).toMatchObject({
      id: callId,
      state: 'waiting',
      takenBy: { id: opId },
      assignedBy: { id: supervisorId },
    });
    // Her console has it as hers, pushed: the desk shows it as "Your call", given by the supervisor.
    const pushed = await op.changes.next(
      (c) => c.kind === 'call' && c.call.id === callId && c.call.takenBy?.id === opId,
    );
    const given = (pushed as { call: QueueCall }).call;
    expect(given.assignedBy?.id).toBe(supervisorId);
    expect(given.consultationId).not.toBeNull();
    await op.changes.next(isOperator(opId, (o) => o.status === 'on_call' && o.callId === callId));
    const draft = await one<{ operator_id: string; status: string }>(
      'SELECT operator_id, status FROM consultations WHERE call_id = $1',
      [callId],
    );
    expect(draft).toEqual({ operator_id: opId, status: 'draft' });
    expect(await audits('call.assigned', callId)).toEqual([
      {
        actor_id: supervisorId,
        details: {
          operatorId: opId,
          callState: 'waiting',
          extension: null,
          consultationId: given.consultationId,
          operatorState: 'available',
        },
      },
    ]);

    // Given once: a second try names who has it.
    const again = await call(sup.cookie, 'POST', `/api/queue/calls/${callId}/assign`, { operatorId: opId });
    expect(again.status).toBe(409);
  });

  it('only to someone free for it: 409 naming her state; 403 for operators; 404 and 400', async () => {
    const sup = await signIn(t.app, 'supervisor');
    await post(callEvent('act-refuse', 'call.offered', new Date()));
    const callId = await callIdOf('act-refuse');
    const op1 = await userIdOf('operator1');
    await t.db.pool.query("UPDATE operator_states SET status = 'break' WHERE user_id = $1", [op1]);
    const onBreak = await call(sup, 'POST', `/api/queue/calls/${callId}/assign`, { operatorId: op1 });
    expect(onBreak.status).toBe(409);
    expect(onBreak.body.message).toMatch(/is on a break/);
    // operator3 has the call given in the test before: she is on another call.
    const busy = await call(sup, 'POST', `/api/queue/calls/${callId}/assign`, {
      operatorId: await userIdOf('operator3'),
    });
    expect(busy.status).toBe(409);
    expect(busy.body.message).toMatch(/is on another call/);
    const operator = await signIn(t.app, 'operator2');
    expect(
      (await call(operator, 'POST', `/api/queue/calls/${callId}/assign`, { operatorId: op1 })).status,
    ).toBe(403);
    expect(
      (await call(sup, 'POST', `/api/queue/calls/${crypto.randomUUID()}/assign`, { operatorId: op1 })).status,
    ).toBe(404);
    expect((await call(sup, 'POST', '/api/queue/calls/nope/assign', { operatorId: op1 })).status).toBe(400);
    expect(
      (
        await call(sup, 'POST', `/api/queue/calls/${callId}/assign`, {
          operatorId: await userIdOf('manager'),
        })
      ).status,
    ).toBe(400);
    // Nothing was given.
    expect(await one('SELECT operator_id, assigned_by FROM calls WHERE id = $1', [callId])).toEqual({
      operator_id: null,
      assigned_by: null,
    });
    expect(await audits('call.assigned', callId)).toEqual([]);
    await t.db.pool.query("UPDATE operator_states SET status = 'available' WHERE user_id = $1", [op1]);
  });
});

describe('holding a wrap-up', () => {
  it('survives its end job; an unheld one ends; she ends hers by choosing available', async () => {
    const sup = await consoleOf('supervisor');
    const held = await userIdOf('operator1');
    const other = await userIdOf('operator2');
    const heldCookie = await signIn(t.app, 'operator1');
    const t0 = Date.now() - 30_000;
    await post([
      callEvent('act-hold-1', 'call.offered', new Date(t0)),
      callEvent('act-hold-1', 'call.answered', new Date(t0 + 1000), { extension: '101' }),
      callEvent('act-hold-2', 'call.offered', new Date(t0)),
      callEvent('act-hold-2', 'call.answered', new Date(t0 + 1000), { extension: '102' }),
    ]);
    await post([
      callEvent('act-hold-1', 'call.ended', new Date()),
      callEvent('act-hold-2', 'call.ended', new Date()),
    ]);
    const heldState = await stateOf(held);
    expect(heldState.status).toBe('wrap_up');
    expect(heldState.wrap_up_ends_at).not.toBeNull();
    const { since: heldSince } = await one<{ since: Date }>(
      'SELECT since FROM operator_states WHERE user_id = $1',
      [held],
    );
    const { since: otherSince } = await one<{ since: Date }>(
      'SELECT since FROM operator_states WHERE user_id = $1',
      [other],
    );

    // No worker runs yet: nothing can end the wrap-up before she holds it.
    const hold = await call(heldCookie, 'POST', '/api/operators/me/wrap-up/hold');
    expect(hold.status).toBe(200);
    expect(hold.body).toMatchObject({ status: 'wrap_up', wrapUpEndsAt: null });
    await sup.changes.next(isOperator(held, (o) => o.status === 'wrap_up' && o.wrapUpEndsAt === null));
    expect((await call(heldCookie, 'POST', '/api/operators/me/wrap-up/hold')).status).toBe(200);

    const worker = await startTestWorker(t.databaseUrl, t.env);
    const queues = testQueues(t.env);
    try {
      const queue = queues.queueOf('operator.wrap-up-end');
      const finished = async (userId: string, since: Date) => {
        for (const until = Date.now() + 20_000; Date.now() < until; ) {
          if ((await queue.getJobState(jobIds.wrapUpEnd(userId, since))) === 'completed') return true;
          await new Promise((r) => setTimeout(r, 100));
        }
        return false;
      };
      // Both end jobs ran: the unheld wrap-up ended, the held one stayed.
      expect(await finished(other, otherSince)).toBe(true);
      expect(await finished(held, heldSince)).toBe(true);
      expect((await stateOf(other)).status).toBe('available');
      expect(await stateOf(held)).toMatchObject({ status: 'wrap_up', wrap_up_ends_at: null });
    } finally {
      await queues.close();
      await worker.stop();
    }

    const done = await call(heldCookie, 'PUT', '/api/operators/me/status', { status: 'available' });
    expect(done.body.status).toBe('available');
    // Not in wrap-up: nothing to hold.
    const nothing = await call(heldCookie, 'POST', '/api/operators/me/wrap-up/hold');
    expect(nothing.status).toBe(409);
  });
});

describe('a short break offered after a critical call', () => {
  const m = { methodologyId: 'kg-hotline-risk', version: '0.1' };
  /** A consultation of hers assessed critical (an immediate danger answered yes). */
  async function critical(cookie: string) {
    const id = crypto.randomUUID();
    const created = await call(cookie, 'PUT', `/api/consultations/${id}`, {
      baseRevision: 0,
      channel: 'call_back',
      data: { contactKind: 'about_self' },
      secret: { notes: '', codeWord: '' },
    });
    expect(created.status).toBe(201);
    const risk = await call(cookie, 'PUT', `/api/consultations/${id}/risk`, {
      ...m,
      answers: { present_danger_now: 'yes' },
    });
    expect(risk.status).toBe(200);
    expect(risk.body.record.finalLevel).toBe('critical');
    return id;
  }

  it('is offered at once and pushed; taking it is a break of BREAK_OFFER_MINUTES that clears the offer', async () => {
    const sup = await consoleOf('supervisor');
    const op = await consoleOf('operator1');
    const id = await userIdOf('operator1');
    await t.db.pool.query(
      "UPDATE operator_states SET status = 'available', break_offered_at = NULL WHERE user_id = $1",
      [id],
    );
    // A high result offers nothing.
    const high = crypto.randomUUID();
    await call(op.cookie, 'PUT', `/api/consultations/${high}`, {
      baseRevision: 0,
      channel: 'call_back',
      data: { contactKind: 'about_self' },
      secret: { notes: '', codeWord: '' },
    });
    await call(op.cookie, 'PUT', `/api/consultations/${high}/risk`, {
      ...m,
      answers: { threats_to_kill: 'yes', weapon: 'yes' },
    });
    expect((await stateOf(id)).break_offered_at).toBeNull();

    await critical(op.cookie);
    const offered = await op.changes.next(isOperator(id, (o) => o.breakOfferedAt !== null));
    await sup.changes.next(isOperator(id, (o) => o.breakOfferedAt !== null));
    expect((await stateOf(id)).break_offered_at).not.toBeNull();
    expect((offered as { operator: OperatorView }).operator.status).toBe('available');
    const snapshot = (await call(op.cookie, 'GET', '/api/queue')).body as QueueSnapshot;
    expect(snapshot.breakOfferMinutes).toBe(7);
    expect(snapshot.operators.find((o) => o.id === id)?.breakOfferedAt).not.toBeNull();

    const taken = await call(op.cookie, 'PUT', '/api/operators/me/status', { status: 'break' });
    expect(taken.status).toBe(200);
    const view = taken.body as OperatorView;
    expect(view).toMatchObject({ status: 'break', breakOfferedAt: null });
    expect(Date.parse(view.breakEndsAt ?? '') - Date.parse(view.since)).toBe(7 * 60_000);
    await sup.changes.next(isOperator(id, (o) => o.status === 'break' && o.breakEndsAt !== null));

    // Back to work: the break's end goes with it.
    await call(op.cookie, 'PUT', '/api/operators/me/status', { status: 'available' });
    expect(await stateOf(id)).toMatchObject({
      status: 'available',
      break_ends_at: null,
      break_offered_at: null,
    });
  });

  it('"Not now" clears it; a supervisor sees it and grants the break from the board (audited)', async () => {
    const sup = await consoleOf('supervisor');
    const op2 = await consoleOf('operator2');
    const id2 = await userIdOf('operator2');
    await t.db.pool.query(
      "UPDATE operator_states SET status = 'available', break_offered_at = NULL WHERE user_id = $1",
      [id2],
    );
    await critical(op2.cookie);
    await sup.changes.next(isOperator(id2, (o) => o.breakOfferedAt !== null));
    const before = lastVersion(sup.changes);
    const declined = await call(op2.cookie, 'DELETE', '/api/operators/me/break-offer');
    expect(declined.status).toBe(200);
    expect(declined.body).toMatchObject({ status: 'available', breakOfferedAt: null });
    await sup.changes.next(isOperator(id2, (o) => o.breakOfferedAt === null, before));
    expect((await stateOf(id2)).break_offered_at).toBeNull();

    // Offered again after another critical call; this time the supervisor grants it.
    const declinedAt = lastVersion(sup.changes);
    await critical(op2.cookie);
    await sup.changes.next(isOperator(id2, (o) => o.breakOfferedAt !== null, declinedAt));
    const granted = await call(sup.cookie, 'PUT', `/api/operators/${id2}/status`, { status: 'break' });
    expect(granted.status).toBe(200);
    expect(granted.body).toMatchObject({ status: 'break', breakOfferedAt: null });
    expect(granted.body.breakEndsAt).not.toBeNull();
    await op2.changes.next(isOperator(id2, (o) => o.status === 'break' && o.breakEndsAt !== null));
    expect((await audits('operator.status_set', id2)).at(-1)?.details).toEqual({
      from: 'available',
      to: 'break',
      offeredBreak: true,
    });
  });
});
