import { callEvent, createTestApp, postEvents, signIn, type TestApp } from '@korgon/dev/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inputProblem, nulPath } from './input-hygiene';

let t: TestApp;
let op: string;
beforeAll(async () => {
  t = await createTestApp({ label: 'nul' });
  op = await signIn(t.app, 'operator1');
});
afterAll(async () => t?.close());

const NUL = '\u0000';

describe('NUL characters (which PostgreSQL cannot store)', () => {
  it('finds them at any depth, in values and in keys', () => {
    expect(nulPath({ a: [{ b: 'x' }, { c: `y${NUL}` }] }, 'body')).toBe('body.a.1.c');
    expect(nulPath({ [`k${NUL}`]: 1 }, 'body')).toBe('body.k\\u0000');
    expect(nulPath({ a: ['ok', 1, null, true] }, 'body')).toBeNull();
  });

  it('tells nesting deeper than any request apart from a NUL character (the fuzz test found them mixed up)', async () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 40; i++) deep = { a: deep };
    expect(inputProblem({ text: deep }, 'body')).toMatchObject({ kind: 'too_deep' });
    expect(nulPath({ text: deep }, 'body')).toBeNull();
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/referrals',
      headers: { cookie: op, 'sec-fetch-site': 'same-origin' },
      payload: { id: deep },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/nested more than 32 levels deep at body\.id\.a/);
    expect(res.body).not.toMatch(/NUL/);
  });

  it('in a signed PBX event: 400 naming the field, not a 500 the PBX would retry for ever', async () => {
    for (const field of ['line', 'eventId', 'callId', 'extension'] as const) {
      const event = callEvent(`nul-${field}`, 'call.answered', new Date(), { extension: '101' });
      const res = await postEvents(t.app, t.env.TELEPHONY_SECRET, [{ ...event, [field]: `x${NUL}y` }]);
      expect(res.statusCode, field).toBe(400);
      expect(res.json().issues).toEqual([
        { path: `body.0.${field}`, message: 'must not contain NUL characters (\\u0000)' },
      ]);
    }
    const { rows } = await t.db.pool.query(
      "SELECT count(*)::int AS n FROM call_events WHERE event_id LIKE 'nul-%'",
    );
    expect(rows[0].n).toBe(0);
  });

  it('in a consultation, a path parameter or a partner callback path: 400, and nothing is stored', async () => {
    const id = crypto.randomUUID();
    const save = await t.app.inject({
      method: 'PUT',
      url: `/api/consultations/${id}`,
      headers: { cookie: op, 'sec-fetch-site': 'same-origin' },
      payload: {
        baseRevision: 0,
        channel: 'call_back',
        data: { contactKind: 'about_self', survivor: { settlement: `Ош${NUL}` } },
        secret: { notes: `notes${NUL}`, codeWord: '' },
      },
    });
    expect(save.statusCode).toBe(400);
    expect(save.json().issues[0].path).toBe('body.data.survivor.settlement');
    expect((await t.db.pool.query('SELECT 1 FROM consultations WHERE id = $1', [id])).rowCount).toBe(0);

    const session = await t.app.inject({
      method: 'DELETE',
      url: '/api/auth/sessions/%00',
      headers: { cookie: op, 'sec-fetch-site': 'same-origin' },
    });
    expect(session.statusCode).toBe(400);
    expect(session.json().issues[0].path).toBe('params.id');

    const partner = await t.app.inject({
      method: 'POST',
      url: '/api/partners/referrals/%00/status',
      payload: { status: 'acknowledged' },
    });
    expect(partner.statusCode).toBe(400);
    expect(partner.body).not.toMatch(/at .*\.ts|stack|SELECT/);
  });
});
