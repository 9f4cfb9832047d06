import {
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
import { type CallOutcomes, jobIds, type QueueCall, type QueueSnapshot } from '@korgon/domain';
import { buildApp, serverConfig } from '@korgon/server';
import { signedHeaders } from '@korgon/signing';
import type { WorkerHandle } from '@korgon/worker';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startBridge } from '../../apps/bridge/src/bridge';
import { FakeAmi } from '../../apps/bridge/src/testing/fake-ami';
import { channelsAnswer, fixtureEventsUntil } from '../../apps/bridge/src/testing/fixtures';

/**
 * Every call can be recorded, and no call haunts the queue: answered at an extension (the draft opens with the
 * answer), at an unknown one (a supervisor assigns it), closed as lost by the PBX's list of active calls or
 * by the time limit (the worker's delayed job), and the desk's truth after a finalize and after a restart.
 */
let t: TestApp;
let worker: WorkerHandle;
let secret: string;
const closers: (() => unknown)[] = [];

beforeAll(async () => {
  t = await createTestApp({
    listen: true,
    label: 'calls',
    // Short limits (seconds), so the worker's job closes silent calls within the test.
    env: { WRAP_UP_SECONDS: '60', CALL_LOST_WAITING_MINUTES: '0.05', CALL_LOST_ANSWERED_MINUTES: '0.08' },
  });
  secret = t.env.TELEPHONY_SECRET;
});
afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await worker?.stop();
  await t?.close();
});

const api = async (cookie: string, method: string, path: string, body?: unknown) => {
  const res = await fetch(`${t.baseUrl}${path}`, {
    method,
    headers: {
      cookie,
      origin: t.baseUrl,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
};

const callOf = async (externalId: string) =>
  (
    await t.db.pool.query<{ id: string; state: string; operator_id: string | null; lost_at: Date | null }>(
      'SELECT id, state, operator_id, lost_at FROM calls WHERE external_id = $1',
      [externalId],
    )
  ).rows[0];
const userId = async (username: string) =>
  (await t.db.pool.query<{ id: string }>('SELECT id FROM users WHERE username = $1', [username])).rows[0]
    ?.id as string;
const stateOf = async (username: string) =>
  (
    await t.db.pool.query<{ status: string; call_id: string | null }>(
      'SELECT s.status, s.call_id FROM operator_states s JOIN users u ON u.id = s.user_id WHERE u.username = $1',
      [username],
    )
  ).rows[0];
const snapshot = async (cookie: string) => (await api(cookie, 'GET', '/api/queue')).body as QueueSnapshot;
const postActive = (body: unknown, opts: { secret?: string } = {}) => {
  const raw = JSON.stringify(body);
  return t.app.inject({
    method: 'POST',
    url: '/api/telephony/active-calls',
    headers: { 'content-type': 'application/json', ...signedHeaders(opts.secret ?? secret, raw) },
    payload: raw,
  });
};
const ago = (s: number) => new Date(Date.now() - s * 1000);

async function until<T>(
  what: string,
  read: () => Promise<T>,
  ok: (v: T) => boolean,
  ms = 20_000,
): Promise<T> {
  return vi.waitFor(
    async () => {
      const v = await read();
      if (!ok(v)) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
      return v;
    },
    { timeout: ms, interval: 100 },
  );
}

describe('a call answered at an operator’s extension', () => {
  it('opens her consultation draft with the answer, in the same transaction, and every console sees it', async () => {
    const op1 = await signIn(t.app, 'operator1');
    const socket = await connectConsole(t.baseUrl, await signIn(t.app, 'supervisor'));
    closers.push(() => socket.close());
    const changes = recordChanges(socket);
    await postEvents(t.app, secret, [
      callEvent('ext-1', 'call.offered', ago(20)),
      callEvent('ext-1', 'call.answered', ago(10), { extension: '101' }),
    ]);
    const call = await callOf('ext-1');
    expect(call?.operator_id).toBe(await userId('operator1'));
    const drafts = await t.db.pool.query<{ id: string; operator_id: string; status: string }>(
      'SELECT id, operator_id, status FROM consultations WHERE call_id = $1',
      [call?.id],
    );
    expect(drafts.rows).toHaveLength(1);
    expect(drafts.rows[0]).toMatchObject({ operator_id: await userId('operator1'), status: 'draft' });
    const pushed = await changes.next((c) => c.kind === 'call' && c.call.id === call?.id);
    expect(pushed).toMatchObject({
      call: {
        state: 'answered',
        extension: '101',
        unknownExtension: false,
        consultationId: drafts.rows[0]?.id,
        consultationStatus: 'draft',
        takenBy: { id: await userId('operator1') },
      },
    });
    expect((await stateOf('operator1'))?.status).toBe('on_call');

    // Opening it from two tabs at once gives both the same draft.
    const [a, b] = await Promise.all([
      api(op1, 'POST', `/api/queue/calls/${call?.id}/consultation`),
      api(op1, 'POST', `/api/queue/calls/${call?.id}/consultation`),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.body.consultationId).toBe(drafts.rows[0]?.id);
    expect(b.body.consultationId).toBe(drafts.rows[0]?.id);
    expect([a.body.created, b.body.created]).toEqual([false, false]);
    // Nobody else opens it; no second record for the call by a save either.
    const op2 = await signIn(t.app, 'operator2');
    expect((await api(op2, 'POST', `/api/queue/calls/${call?.id}/consultation`)).status).toBe(403);
    const sup = await signIn(t.app, 'supervisor');
    const second = await api(sup, 'PUT', `/api/consultations/${crypto.randomUUID()}`, {
      baseRevision: 0,
      channel: 'call',
      callId: call?.id,
      data: {},
      secret: {},
    });
    expect(second.status).toBe(400);
    expect(second.body.message).toMatch(/has its consultation already/);
  });

  it('opens the draft on request when the call had none (idempotent under concurrency), one per call by index', async () => {
    await postEvents(t.app, secret, [callEvent('ext-2', 'call.offered', ago(5))]);
    const call = await callOf('ext-2');
    // As before this change: the operator was set, no draft was opened.
    await t.db.pool.query('UPDATE calls SET operator_id = $2, state = $3 WHERE id = $1', [
      call?.id,
      await userId('operator2'),
      'answered',
    ]);
    const op2 = await signIn(t.app, 'operator2');
    const opens = await Promise.all(
      Array.from({ length: 5 }, () => api(op2, 'POST', `/api/queue/calls/${call?.id}/consultation`)),
    );
    expect(opens.map((o) => o.status)).toEqual([200, 200, 200, 200, 200]);
    expect(new Set(opens.map((o) => o.body.consultationId)).size).toBe(1);
    expect(opens.filter((o) => o.body.created)).toHaveLength(1);
    const { rows } = await t.db.pool.query('SELECT id FROM consultations WHERE call_id = $1', [call?.id]);
    expect(rows).toHaveLength(1);
    await expect(
      t.db.pool.query(
        `INSERT INTO consultations (id, call_id, channel, operator_id, taxonomy_version)
         VALUES (gen_random_uuid(), $1, 'call', $2, 'kg-2026.1')`,
        [call?.id, await userId('operator2')],
      ),
    ).rejects.toThrow(/consultations_call_idx/);
  });
});

describe('a call answered at an extension nobody holds', () => {
  it('shows as unknown extension, and a supervisor assigns it: audited, pushed, hers with its draft', async () => {
    await postEvents(t.app, secret, [
      callEvent('unk-1', 'call.offered', ago(30)),
      callEvent('unk-1', 'call.answered', ago(25), { extension: '105' }),
    ]);
    const call = await callOf('unk-1');
    const op3 = await signIn(t.app, 'operator3');
    const sup = await signIn(t.app, 'supervisor');
    const seen = (await snapshot(sup)).calls.find((c) => c.id === call?.id);
    expect(seen).toMatchObject({
      extension: '105',
      unknownExtension: true,
      takenBy: null,
      consultationId: null,
    });

    const target = await userId('operator3');
    // Operators cannot assign; a bad target is a 400 a person can act on.
    expect(
      (await api(op3, 'POST', `/api/queue/calls/${call?.id}/assign`, { operatorId: target })).status,
    ).toBe(403);
    const bad = await api(sup, 'POST', `/api/queue/calls/${call?.id}/assign`, { operatorId: 'nobody' });
    expect(bad.status).toBe(400);
    const partner = await userId('partner-police-bishkek');
    const notOperator = await api(sup, 'POST', `/api/queue/calls/${call?.id}/assign`, {
      operatorId: partner,
    });
    expect(notOperator.status).toBe(400);
    expect(notOperator.body.message).toMatch(/active operator/);

    const socket = await connectConsole(t.baseUrl, op3);
    closers.push(() => socket.close());
    const changes = recordChanges(socket);
    const done = await api(sup, 'POST', `/api/queue/calls/${call?.id}/assign`, { operatorId: target });
    expect(done.status).toBe(200);
    expect(done.body as QueueCall).toMatchObject({ unknownExtension: false, takenBy: { id: target } });
    expect((done.body as QueueCall).consultationId).not.toBeNull();
    const pushed = await changes.next((c) => c.kind === 'call' && c.call.id === call?.id);
    expect(pushed).toMatchObject({ call: { takenBy: { id: target }, consultationStatus: 'draft' } });
    expect(await stateOf('operator3')).toMatchObject({ status: 'on_call', call_id: call?.id });
    const audit = await t.db.pool.query(
      "SELECT actor_id, details FROM audit_log WHERE action = 'call.assigned' AND target_id = $1",
      [call?.id],
    );
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0]?.details).toMatchObject({ operatorId: target, extension: '105' });
    // She opens it: the same draft.
    const open = await api(op3, 'POST', `/api/queue/calls/${call?.id}/consultation`);
    expect(open.body.consultationId).toBe((done.body as QueueCall).consultationId);
    // Assigned already: a second assignment is refused.
    const again = await api(sup, 'POST', `/api/queue/calls/${call?.id}/assign`, {
      operatorId: await userId('operator2'),
    });
    expect(again.status).toBe(409);
  });
});

describe('the phone channel', () => {
  it('is accepted for a consultation without a call; a channel the taxonomy lacks is a 400', async () => {
    const op1 = await signIn(t.app, 'operator1');
    const phone = await api(op1, 'PUT', `/api/consultations/${crypto.randomUUID()}`, {
      baseRevision: 0,
      channel: 'phone',
      data: {},
      secret: {},
    });
    expect(phone.status).toBe(201);
    const bogus = await api(op1, 'PUT', `/api/consultations/${crypto.randomUUID()}`, {
      baseRevision: 0,
      channel: 'carrier_pigeon',
      data: {},
      secret: {},
    });
    expect(bogus.status).toBe(400);
    expect(bogus.body.message).toMatch(/phone/);
  });
});

describe('POST /api/telephony/active-calls', () => {
  it('is signed like the events: unsigned or badly signed changes nothing', async () => {
    await postEvents(t.app, secret, [callEvent('sig-1', 'call.offered', ago(3))]);
    expect((await postActive({ callIds: [] }, { secret: 'x'.repeat(40) })).statusCode).toBe(401);
    const unsigned = await t.app.inject({
      method: 'POST',
      url: '/api/telephony/active-calls',
      headers: { 'content-type': 'application/json' },
      payload: '{"callIds":[]}',
    });
    expect(unsigned.statusCode).toBe(401);
    const bad = await postActive({ callIds: 'sig-1' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/callIds/);
    expect((await callOf('sig-1'))?.state).toBe('waiting');
  });

  it('closes every open call not in the list as lost, keeps the listed and the newer ones, and operators follow', async () => {
    const op2 = await signIn(t.app, 'operator2');
    // operator2 is free again before this call (earlier tests may have given her one).
    await t.db.pool.query(
      "UPDATE operator_states SET status = 'available', call_id = NULL WHERE user_id = $1",
      [await userId('operator2')],
    );
    await postEvents(t.app, secret, [
      callEvent('act-keep', 'call.offered', ago(60)),
      callEvent('act-gone-waiting', 'call.offered', ago(60)),
      callEvent('act-gone-answered', 'call.offered', ago(60)),
      callEvent('act-gone-answered', 'call.answered', ago(50), { extension: '102' }),
      callEvent('act-ended', 'call.offered', ago(60)),
      callEvent('act-ended', 'call.ended', ago(40)),
    ]);
    expect(await stateOf('operator2')).toMatchObject({ status: 'on_call' });
    const listedAt = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    // Its events overtook the list: first heard of after the list was taken, it stays.
    await postEvents(t.app, secret, [callEvent('act-newer', 'call.offered', new Date())]);
    const before = await api(await signIn(t.app, 'supervisor'), 'GET', '/api/queue/outcomes');
    const res = await postActive({ callIds: ['act-keep', 'something-else'], at: listedAt });
    expect(res.statusCode).toBe(200);
    const closed = res.json().closed as number;
    expect(closed).toBeGreaterThanOrEqual(2);
    expect((await callOf('act-keep'))?.state).toBe('waiting');
    expect((await callOf('act-newer'))?.state).toBe('waiting');
    expect((await callOf('act-gone-waiting'))?.state).toBe('lost');
    expect((await callOf('act-gone-answered'))?.state).toBe('lost');
    expect((await callOf('act-ended'))?.state).toBe('abandoned');
    const gone = await callOf('act-gone-answered');
    expect(await stateOf('operator2')).toMatchObject({ status: 'wrap_up', call_id: gone?.id });
    // The board's snapshot holds no closed call; the lost count is apart from answered and abandoned.
    const snap = await snapshot(op2);
    expect(snap.calls.map((c) => c.state).every((s) => s === 'waiting' || s === 'answered')).toBe(true);
    const sup = await signIn(t.app, 'supervisor');
    const after = (await api(sup, 'GET', '/api/queue/outcomes')).body as CallOutcomes;
    const was = before.body as CallOutcomes;
    expect(after.lost - was.lost).toBe(closed);
    expect(after.abandoned).toBe(was.abandoned);
    expect(after.answered).toBe(was.answered);
    expect((await api(op2, 'GET', '/api/queue/outcomes')).status).toBe(403);

    // A late, real end wins over lost: it is the truth.
    await postEvents(t.app, secret, [callEvent('act-gone-answered', 'call.ended', ago(1))]);
    expect((await callOf('act-gone-answered'))?.state).toBe('ended');
    // A late answer does not reopen a call the PBX said was gone.
    await postEvents(t.app, secret, [
      callEvent('act-gone-waiting', 'call.answered', ago(1), { extension: '103' }),
    ]);
    expect((await callOf('act-gone-waiting'))?.state).toBe('lost');
  });

  it('is posted by the bridge on every AMI login, from Asterisk’s CoreShowChannels (recorded fixtures)', async () => {
    const ami = await FakeAmi.start('korgon', 'ami-secret');
    closers.push(() => ami.close());
    const bridge = startBridge({
      ami: {
        host: '127.0.0.1',
        port: ami.port,
        username: 'korgon',
        secret: 'ami-secret',
        pingIntervalMs: 200,
        responseTimeoutMs: 5_000,
        backoff: { baseMs: 20, capMs: 200 },
      },
      korgonUrl: t.baseUrl,
      telephonySecret: secret,
      log: pino({ level: 'silent' }),
      poster: { backoff: { baseMs: 20, capMs: 200 } },
    });
    closers.push(() => bridge.stop());
    await until(
      'the first AMI login',
      async () => ami.logins,
      (n) => n >= 1,
    );
    // Two recorded calls, cut where the link drops: one answered at 101 (its hangup never seen), one still
    // waiting in the queue.
    for (const e of fixtureEventsUntil('queue-answered', 'AgentComplete')) ami.send(e);
    for (const e of fixtureEventsUntil('queue-abandoned', 'QueueCallerAbandon')) ami.send(e);
    const answered = await until(
      'the answered call',
      () => callOf('1764061201.16'),
      (c) => c?.state === 'answered',
    );
    await until(
      'the waiting call',
      () => callOf('1764062000.40'),
      (c) => c?.state === 'waiting',
    );
    expect(answered?.operator_id).toBe(await userId('operator1'));

    // The link drops; on the next login Asterisk lists only the waiting caller (and an internal call).
    ami.channels = channelsAnswer;
    ami.dropConnections();
    await until(
      'the lost call',
      () => callOf('1764061201.16'),
      (c) => c?.state === 'lost',
    );
    expect((await callOf('1764062000.40'))?.state).toBe('waiting');
    const listed = ami.actions.filter((a) => a.action === 'CoreShowChannels');
    expect(listed.length).toBeGreaterThanOrEqual(2);
  });
});

describe('the time limit', () => {
  it('closes a call that never ended as lost through the worker’s delayed job, and the reconciler re-adds it', async () => {
    worker = await startTestWorker(t.databaseUrl, { ...t.env, WRAP_UP_SECONDS: 60 });
    const queues = testQueues(t.env);
    closers.push(() => queues.close());
    await t.db.pool.query(
      "UPDATE operator_states SET status = 'available', call_id = NULL WHERE user_id = $1",
      [await userId('operator3')],
    );
    await postEvents(t.app, secret, [
      callEvent('limit-waiting', 'call.offered', ago(1)),
      callEvent('limit-answered', 'call.offered', ago(1)),
      callEvent('limit-answered', 'call.answered', ago(1), { extension: '103' }),
    ]);
    const waiting = await callOf('limit-waiting');
    const answered = await callOf('limit-answered');
    expect(waiting?.lost_at).not.toBeNull();
    // Redis lost the job (a flush): the reconciler adds it again from PostgreSQL's deadline.
    const jobId = jobIds.callLost(waiting?.id as string, waiting?.lost_at as Date);
    const job = await queues.queues.timers.getJob(jobId);
    expect(job).toBeDefined();
    await job?.remove();
    await new Promise((r) => setTimeout(r, 2_100)); // past the reconciler's grace for fresh work
    // (Added again by this run, or by the worker's own scheduled run just before it.)
    await worker.reconcileNow();
    expect(await queues.queues.timers.getJob(jobId)).toBeDefined();

    await until(
      'the waiting call lost',
      () => callOf('limit-waiting'),
      (c) => c?.state === 'lost',
    );
    expect((await callOf('limit-answered'))?.state).toBe('answered'); // its limit is longer
    await until(
      'the answered call lost',
      () => callOf('limit-answered'),
      (c) => c?.state === 'lost',
    );
    expect(await stateOf('operator3')).toMatchObject({ status: 'wrap_up', call_id: answered?.id });
    // An event moves the deadline: a call heard from again is not lost at the old one.
    await postEvents(t.app, secret, [callEvent('limit-alive', 'call.offered', ago(0))]);
    const first = (await callOf('limit-alive'))?.lost_at as Date;
    await new Promise((r) => setTimeout(r, 1_500));
    await postEvents(t.app, secret, [
      callEvent('limit-alive', 'call.answered', ago(0), { extension: '199' }),
    ]);
    const moved = (await callOf('limit-alive'))?.lost_at as Date;
    expect(moved.getTime()).toBeGreaterThan(first.getTime());
    await new Promise((r) => setTimeout(r, Math.max(0, first.getTime() - Date.now()) + 500));
    expect((await callOf('limit-alive'))?.state).toBe('answered');
  });
});

describe('one truth', () => {
  it('a finalized consultation is pushed as final, and after a restart the board shows no ended call', async () => {
    const op1 = await signIn(t.app, 'operator1');
    await t.db.pool.query(
      "UPDATE operator_states SET status = 'available', call_id = NULL WHERE user_id = $1",
      [await userId('operator1')],
    );
    await postEvents(t.app, secret, [
      callEvent('truth-1', 'call.offered', ago(5)),
      callEvent('truth-1', 'call.answered', ago(4), { extension: '101' }),
      callEvent('truth-2', 'call.offered', ago(5)),
      callEvent('truth-2', 'call.ended', ago(1)),
    ]);
    const call = await callOf('truth-1');
    const k = (await snapshot(op1)).calls.find((c) => c.id === call?.id)?.consultationId as string;
    const saved = await api(op1, 'PUT', `/api/consultations/${k}`, {
      baseRevision: 0,
      channel: 'call',
      callId: call?.id,
      data: { contactKind: 'silent' },
      secret: {},
    });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    const socket = await connectConsole(t.baseUrl, op1);
    closers.push(() => socket.close());
    const changes = recordChanges(socket);
    const fin = await api(op1, 'POST', `/api/consultations/${k}/finalize`, { revision: saved.body.revision });
    expect(fin.status, JSON.stringify(fin.body)).toBe(200);
    const pushed = await changes.next((c) => c.kind === 'call' && c.call.id === call?.id);
    expect(pushed).toMatchObject({ call: { consultationStatus: 'final', state: 'answered' } });

    // A restarted server (a new process on the same database) shows only calls on the line.
    const again = await buildApp({ config: serverConfig(t.env), logger: false, poolSize: 2 });
    await again.ready();
    closers.push(() => again.close());
    const cookie = await signIn(again, 'supervisor');
    const res = await again.inject({ method: 'GET', url: '/api/queue', headers: { cookie } });
    const snap = res.json() as QueueSnapshot;
    expect(snap.calls.map((c) => c.state).every((s) => s === 'waiting' || s === 'answered')).toBe(true);
    expect(snap.calls.map((c) => c.id)).not.toContain((await callOf('truth-2'))?.id);
    expect(snap.calls.find((c) => c.id === call?.id)?.consultationStatus).toBe('final');
  });
});
