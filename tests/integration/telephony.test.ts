import { callEvent, createTestApp, postEvents, signIn, type TestApp, testQueues } from '@korgon/dev/testing';
import { jobIds, type QueueSnapshot } from '@korgon/domain';
import { signedHeaders } from '@korgon/signing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let t: TestApp;
let secret: string;
let cookie: string;
beforeAll(async () => {
  t = await createTestApp({ label: 'telephony' });
  secret = t.env.TELEPHONY_SECRET;
  cookie = await signIn(t.app, 'operator1');
});
afterAll(async () => t?.close());

const snapshot = async () =>
  (await t.app.inject({ url: '/api/queue', headers: { cookie } })).json() as QueueSnapshot;
const row = async (externalId: string) =>
  (await t.db.pool.query('SELECT * FROM calls WHERE external_id = $1', [externalId])).rows[0];
const eventCount = async () =>
  Number((await t.db.pool.query('SELECT count(*) FROM call_events')).rows[0].count);

describe('signature', () => {
  it('stores nothing and answers 401 for a bad, missing or stale signature', async () => {
    const body = JSON.stringify(callEvent('sig-1', 'call.offered', new Date()));
    const before = await eventCount();
    const attempts = [
      { 'content-type': 'application/json' },
      { 'content-type': 'application/json', ...signedHeaders(`${secret}x`, body) },
      { 'content-type': 'application/json', ...signedHeaders(secret, body, Date.now() - 6 * 60_000) },
      { 'content-type': 'application/json', ...signedHeaders(secret, `${body} `) },
    ];
    for (const headers of attempts) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/telephony/events',
        headers,
        payload: body,
      });
      expect(res.statusCode).toBe(401);
      expect(res.json().message).toMatch(/not signed correctly: .+\. Nothing was stored\./);
    }
    expect(await eventCount()).toBe(before);
  });

  it('does not need a session or an Origin header', async () => {
    const res = await postEvents(t.app, secret, callEvent('sig-2', 'call.offered', new Date()));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ received: 1, stored: 1, duplicates: 0 });
  });
});

describe('validation', () => {
  it('names the field and the index of a malformed event, and stores none of the batch', async () => {
    const good = callEvent('val-1', 'call.offered', new Date());
    const bad = { ...callEvent('val-1', 'call.ended', new Date()), callerNumber: '0555 12 34 56' };
    const before = await eventCount();
    const res = await postEvents(t.app, secret, [good, bad]);
    expect(res.statusCode).toBe(400);
    expect(res.json().issues).toContainEqual({
      path: 'body[1].callerNumber',
      message: 'must be an E.164 number such as +996555123456',
    });
    expect(res.json().message).toContain('body[1].callerNumber');
    expect(res.json().message).not.toContain('0555');
    expect(await eventCount()).toBe(before);
  });

  it('refuses unknown types, missing fields, bad times, unknown fields and oversize batches with 400', async () => {
    const base = callEvent('val-2', 'call.offered', new Date());
    const cases: [unknown, string][] = [
      [{ ...base, type: 'call.exploded' }, 'body.type'],
      [{ ...base, at: 'yesterday' }, 'body.at'],
      [{ ...base, eventId: undefined }, 'body.eventId'],
      [{ ...base, eventId: 'x'.repeat(129) }, 'body.eventId'],
      [{ ...base, colour: 'red' }, 'body'],
      [[], 'body'],
      ['hello', 'body'],
    ];
    for (const [body, path] of cases) {
      const res = await postEvents(t.app, secret, body);
      expect(res.statusCode, JSON.stringify(body).slice(0, 60)).toBe(400);
      expect(res.json().issues[0].path).toBe(path);
    }
    const tooMany = Array.from({ length: 501 }, (_, i) => callEvent(`big-${i}`, 'call.offered', new Date()));
    const res = await postEvents(t.app, secret, tooMany);
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/at most 500 events in one request \(this one has 501\)/);
  });

  it('answers malformed JSON with 400 even when it is signed', async () => {
    const raw = '[{"eventId": "x",';
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/telephony/events',
      headers: { 'content-type': 'application/json', ...signedHeaders(secret, raw) },
      payload: raw,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('invalid_json');
  });
});

describe('ingest', () => {
  it('is idempotent by eventId: a repeat gets 200 and changes nothing', async () => {
    const e = callEvent('dup-1', 'call.offered', new Date(), { callerNumber: '+996555000111' });
    expect((await postEvents(t.app, secret, e)).json()).toEqual({ received: 1, stored: 1, duplicates: 0 });
    const v1 = (await snapshot()).version;
    const again = await postEvents(t.app, secret, [e, e]);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ received: 2, stored: 0, duplicates: 2 });
    expect((await snapshot()).version).toBe(v1);
  });

  it('ends in the same state whatever the arrival order', async () => {
    const t0 = Date.now() - 60_000;
    const at = (s: number) => new Date(t0 + s * 1000);
    const make = (id: string) => [
      callEvent(id, 'call.offered', at(0)),
      callEvent(id, 'call.answered', at(12), { extension: '102' }),
      callEvent(id, 'call.ended', at(300)),
    ];
    const inOrder = make('order-a');
    const reversed = make('order-b').reverse();
    for (const e of inOrder) await postEvents(t.app, secret, e);
    for (const e of reversed) await postEvents(t.app, secret, e);
    const [a, b] = [await row('order-a'), await row('order-b')];
    for (const r of [a, b]) {
      expect(r.state).toBe('ended');
      expect(r.offered_at.getTime()).toBe(t0);
      expect(r.answered_at.getTime()).toBe(t0 + 12_000);
      expect(r.ended_at.getTime()).toBe(t0 + 300_000);
    }
  });

  it('marks a call that ends unanswered as abandoned, and within 5 s as short-abandoned', async () => {
    const t0 = Date.now() - 60_000;
    await postEvents(t.app, secret, [
      callEvent('ab-short', 'call.offered', new Date(t0)),
      callEvent('ab-short', 'call.ended', new Date(t0 + 4_000)),
      callEvent('ab-long', 'call.offered', new Date(t0)),
      callEvent('ab-long', 'call.abandoned', new Date(t0 + 40_000)),
    ]);
    expect(await row('ab-short')).toMatchObject({ state: 'abandoned', short_abandoned: true });
    expect(await row('ab-long')).toMatchObject({ state: 'abandoned', short_abandoned: false });
  });

  it('keeps no caller number, only a keyed hash, and counts repeat contacts in the last 90 days', async () => {
    const number = '+996700123456';
    const now = Date.now();
    await postEvents(t.app, secret, [
      callEvent('rep-old', 'call.offered', new Date(now - 100 * 86_400_000), { callerNumber: number }),
      callEvent('rep-1', 'call.offered', new Date(now - 20 * 86_400_000), { callerNumber: number }),
      callEvent('rep-2', 'call.offered', new Date(now - 2 * 86_400_000), { callerNumber: number }),
      callEvent('rep-now', 'call.offered', new Date(now - 1000), { callerNumber: number }),
    ]);
    const r = await row('rep-now');
    expect(r.caller_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(r.caller_hash).not.toContain('700123456');
    const call = (await snapshot()).calls.find((c) => c.id === r.id);
    expect(call?.repeatContacts).toBe(2);
    expect(JSON.stringify(call)).not.toContain(r.caller_hash);
    const dump = JSON.stringify((await t.db.pool.query('SELECT * FROM call_events')).rows);
    expect(dump).not.toContain('700123456');
  });

  it('puts the operator whose extension answered on call, then into wrap-up when the call ends', async () => {
    const id = 'ops-1';
    const t0 = Date.now() - 30_000;
    await postEvents(t.app, secret, [
      callEvent(id, 'call.offered', new Date(t0)),
      callEvent(id, 'call.answered', new Date(t0 + 5000), { extension: '103' }),
    ]);
    const op = async () => (await snapshot()).operators.find((o) => o.displayName === 'Елена Смирнова');
    expect((await op())?.status).toBe('on_call');
    await postEvents(t.app, secret, callEvent(id, 'call.ended', new Date(t0 + 20_000)));
    expect((await op())?.status).toBe('wrap_up');
    const opId = (await op())?.id;
    // Its end is stored with the state, and a delayed job waits for it.
    const { rows } = await t.db.pool.query(
      'SELECT since, wrap_up_ends_at FROM operator_states WHERE user_id = $1',
      [opId],
    );
    expect(rows[0].wrap_up_ends_at.getTime()).toBeGreaterThan(Date.now() + 60_000);
    const jobs = testQueues(t.env);
    try {
      const job = await jobs.queues.timers.getJob(jobIds.wrapUpEnd(opId as string, rows[0].since));
      expect(await job?.getState()).toBe('delayed');
      expect((job?.timestamp ?? 0) + (job?.delay ?? 0)).toBeGreaterThanOrEqual(
        rows[0].wrap_up_ends_at.getTime() - 50,
      );
      expect(job?.data).toEqual({ userId: opId, since: rows[0].since.toISOString() });
    } finally {
      await jobs.close();
    }
  });

  it('an answer and its end arriving in one batch still put the answering operator into wrap-up', async () => {
    const secret = t.env.TELEPHONY_SECRET;
    const t0 = Date.now();
    const id = `one-batch-${t0}`;
    const res = await postEvents(t.app, secret, [
      callEvent(id, 'call.offered', new Date(t0 - 40_000)),
      callEvent(id, 'call.answered', new Date(t0 - 30_000), { extension: '102' }),
      callEvent(id, 'call.ended', new Date(t0)),
    ]);
    expect(res.statusCode).toBe(200);
    const { rows } = await t.db.pool.query<{ status: string; operator: string }>(
      `SELECT o.status, u.username AS operator FROM operator_states o JOIN users u ON u.id = o.user_id
        WHERE u.extension = '102'`,
    );
    expect(rows[0]).toEqual({ status: 'wrap_up', operator: 'operator2' });
    const call = await t.db.pool.query(
      'SELECT state, operator_id IS NOT NULL AS taken FROM calls WHERE external_id = $1',
      [id],
    );
    expect(call.rows[0]).toEqual({ state: 'ended', taken: true });
  });
});
