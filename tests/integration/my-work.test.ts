import { type ConsoleSocket, connectConsole, createTestApp, signIn, type TestApp } from '@korgon/dev/testing';
import {
  bishkekDayStart,
  type MyConsultationsPage,
  type MyWorkChanged,
  type Referral,
  type ShiftSummary,
} from '@korgon/domain';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

let t: TestApp;
let op1: string;
let op2: string;
let sup: string;
let op1Id: string;
beforeAll(async () => {
  t = await createTestApp({ listen: true, label: 'mywork' });
  [op1, op2, sup] = [
    await signIn(t.app, 'operator1'),
    await signIn(t.app, 'operator2'),
    await signIn(t.app, 'supervisor'),
  ];
  op1Id = (await t.db.pool.query("SELECT id FROM users WHERE username = 'operator1'")).rows[0].id;
});
const sockets: ConsoleSocket[] = [];
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await t?.close();
});

const api = (cookie: string, method: string, path: string, body?: unknown) =>
  t.app.inject({
    method: method as 'GET',
    url: path,
    headers: { cookie, origin: t.baseUrl },
    ...(body !== undefined ? { payload: body as object } : {}),
  });

/** The year references are numbered in now: Asia/Bishkek. */
const year = () => new Date(Date.now() + 6 * 3600_000).getUTCFullYear();

async function draft(cookie: string, data: object = { contactKind: 'about_self' }) {
  const id = crypto.randomUUID();
  const res = await api(cookie, 'PUT', `/api/consultations/${id}?view=full`, {
    baseRevision: 0,
    channel: 'call_back',
    data,
    secret: { notes: 'личное', codeWord: '' },
  });
  expect(res.statusCode).toBe(201);
  return res.json() as { id: string; reference: string };
}

/** Every number given so far for a kind this year, in order: gapless means exactly 1..n. */
async function numbersOf(table: 'consultations' | 'referrals', prefix: 'K' | 'R') {
  const { rows } = await t.db.pool.query<{ reference: string }>(
    `SELECT reference FROM ${table} WHERE reference LIKE $1`,
    [`${prefix}-${year()}-%`],
  );
  const counter = await t.db.pool.query<{ last: number }>(
    'SELECT last FROM reference_counters WHERE kind = $1 AND year = $2',
    [prefix, year()],
  );
  return {
    numbers: rows.map((r) => Number(r.reference.split('-')[2])).sort((a, b) => a - b),
    last: counter.rows[0]?.last ?? 0,
  };
}

const consecutive = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('reference numbers', () => {
  it('every consultation gets K-<year>-NNNNNN at insert, shown in its record and its draft summary', async () => {
    const k = await draft(op1);
    expect(k.reference).toMatch(new RegExp(`^K-${year()}-\\d{6}$`));
    const drafts = (await api(op1, 'GET', '/api/consultations')).json() as {
      id: string;
      reference: string;
    }[];
    expect(drafts.find((d) => d.id === k.id)?.reference).toBe(k.reference);
    // The server still finds it by its UUID.
    expect((await api(op1, 'GET', `/api/consultations/${k.id}`)).json().reference).toBe(k.reference);
    // It never changes.
    await expect(
      t.db.pool.query("UPDATE consultations SET reference = 'K-1999-000001' WHERE id = $1", [k.id]),
    ).rejects.toThrow(/never changes/);
  });

  it('are unique and gapless under concurrent inserts, rolled-back inserts and upserts of an existing row', async () => {
    await draft(op1);
    const clients = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const c = new pg.Client({ connectionString: t.databaseUrl });
        await c.connect();
        return c;
      }),
    );
    try {
      const existing = (await draft(op1)).id;
      // 8 connections × 5 inserts each, at once; every third rolls back, and every connection also upserts
      // a row that is there already (which inserts nothing and must take no number).
      const results = await Promise.all(
        clients.map(async (c, ci) => {
          const kept: string[] = [];
          for (let i = 0; i < 5; i++) {
            await c.query('BEGIN');
            const { rows } = await c.query<{ reference: string }>(
              `INSERT INTO consultations (id, operator_id, taxonomy_version) VALUES ($1, $2, 'kg-2026.1') RETURNING reference`,
              [crypto.randomUUID(), op1Id],
            );
            await c.query(
              `INSERT INTO consultations (id, operator_id, taxonomy_version) VALUES ($1, $2, 'kg-2026.1')
               ON CONFLICT (id) DO NOTHING`,
              [existing, op1Id],
            );
            if ((ci * 5 + i) % 3 === 0) await c.query('ROLLBACK');
            else {
              await c.query('COMMIT');
              kept.push(rows[0]?.reference as string);
            }
          }
          return kept;
        }),
      );
      const kept = results.flat();
      expect(new Set(kept).size).toBe(kept.length);
      const { numbers, last } = await numbersOf('consultations', 'K');
      expect(numbers).toEqual(consecutive(numbers.length));
      expect(last).toBe(numbers.length);
      // And through the API, 12 first saves at once: 12 new consecutive numbers after the last.
      const before = last;
      const made = await Promise.all(Array.from({ length: 12 }, () => draft(op2)));
      const got = made.map((m) => Number(m.reference.split('-')[2])).sort((a, b) => a - b);
      expect(got).toEqual(consecutive(12).map((n) => before + n));
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });

  it('a reference finds its record for its author and supervisors; others get 403, a bad one 400', async () => {
    const k = await draft(op1);
    const lower = k.reference.toLowerCase().replace(/-0+/, ' ');
    const found = await api(op1, 'GET', `/api/references/${encodeURIComponent(lower)}`);
    expect(found.statusCode).toBe(200);
    expect(found.json()).toEqual({
      kind: 'consultation',
      reference: k.reference,
      id: k.id,
      consultationId: k.id,
    });
    expect((await api(sup, 'GET', `/api/references/${k.reference}`)).json().id).toBe(k.id);
    const other = await api(op2, 'GET', `/api/references/${k.reference}`);
    expect(other.statusCode).toBe(403);
    expect(other.json().message).toContain(k.reference);
    const missing = await api(op1, 'GET', `/api/references/K-1999-000001`);
    expect(missing.statusCode).toBe(404);
    expect(missing.json().message).toBe('Consultation K-1999-000001 was not found.');
    const bad = await api(op1, 'GET', '/api/references/123');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/K-2026-000123/);
  });
});

describe('my consultations', () => {
  it('lists only my own, drafts and final, searchable by day, kind, risk level and reference, a page at a time', async () => {
    const a = await draft(op1, { contactKind: 'about_other' });
    const b = await draft(op1, { contactKind: 'about_self' });
    const theirs = await draft(op2, { contactKind: 'about_other' });
    const risk = await api(op1, 'PUT', `/api/consultations/${a.id}/risk`, {
      methodologyId: 'kg-hotline-risk',
      version: '0.1',
      answers: { strangulation: 'yes' },
    });
    expect(risk.statusCode).toBe(200);
    const level = risk.json().record.finalLevel as string;
    // One of mine made "last week", to search by day.
    const old = await draft(op1, { contactKind: 'about_other' });
    await t.db.pool.query(
      `UPDATE consultations SET created_at = '2026-03-08T10:00:00+06', updated_at = '2026-03-08T10:30:00+06' WHERE id = $1`,
      [old.id],
    );

    const list = async (query: string) => {
      const res = await api(op1, 'GET', `/api/me/consultations${query}`);
      expect(res.statusCode).toBe(200);
      return res.json() as MyConsultationsPage;
    };
    const all = await list('?pageSize=100');
    const ids = all.items.map((i) => i.id);
    expect(ids).toEqual(expect.arrayContaining([a.id, b.id, old.id]));
    expect(ids).not.toContain(theirs.id);
    expect(all.total).toBe(all.items.length);
    expect(JSON.stringify(all)).not.toContain('личное');

    expect((await list('?contactKind=about_other&pageSize=100')).items.map((i) => i.id)).toEqual(
      expect.arrayContaining([a.id, old.id]),
    );
    expect((await list('?contactKind=about_other&pageSize=100')).items.map((i) => i.id)).not.toContain(b.id);
    const byLevel = await list(`?riskLevel=${level}`);
    expect(byLevel.items.map((i) => i.id)).toEqual([a.id]);
    expect(byLevel.items[0]).toMatchObject({ reference: a.reference, riskLevel: level, status: 'draft' });
    expect((await list('?riskLevel=none&pageSize=100')).items.map((i) => i.id)).not.toContain(a.id);
    expect((await list('?day=2026-03-08')).items.map((i) => i.id)).toEqual([old.id]);
    expect((await list('?day=2026-03-07')).items).toEqual([]);
    expect((await list(`?reference=${b.reference}`)).items.map((i) => i.id)).toEqual([b.id]);
    // Someone else's reference finds nothing here.
    expect((await list(`?reference=${theirs.reference}`)).total).toBe(0);
    // "Lately" leaves the one from March out.
    expect((await list('?recentDays=3&pageSize=100')).items.map((i) => i.id)).not.toContain(old.id);

    const p1 = await list('?pageSize=2&page=1');
    const p2 = await list('?pageSize=2&page=2');
    expect(p1.items).toHaveLength(2);
    expect(p1.total).toBe(all.total);
    expect(p2.items.map((i) => i.id)).not.toContain(p1.items[0]?.id);

    for (const [query, message] of [
      ['?day=08.03.2026', /date like 2026-03-08/],
      ['?status=open', /draft or final/],
      ['?pageSize=1000', /pageSize is 1 to 100/],
      ['?reference=abc', /K-2026-000123/],
      ['?owner=someone', /owner/],
    ] as const) {
      const res = await api(op1, 'GET', `/api/me/consultations${query}`);
      expect(res.statusCode, query).toBe(400);
      expect(res.json().message, query).toMatch(message);
    }
  });

  it('final ones: finalized today shows with the recent filter and in the shift summary', async () => {
    const before = (await api(op1, 'GET', '/api/me/shift')).json() as ShiftSummary;
    expect(before.since).toBe(bishkekDayStart(new Date()).toISOString());
    const k = await draft(op1, {
      contactKind: 'about_self',
      callerRole: 'survivor',
      survivor: { gender: 'female', ageBand: '26-40', region: 'KG-GB' },
      violenceForms: ['physical', 'psychological'],
      servicesGiven: ['crisis_counselling', 'safety_plan'],
      consent: { statistics: 'yes', referral: 'yes' },
      safetyPlan: { exit_room: true, call_102: true },
    });
    await api(op1, 'PUT', `/api/consultations/${k.id}/risk`, {
      methodologyId: 'kg-hotline-risk',
      version: '0.1',
      answers: { strangulation: 'yes' },
    });
    const fin = await api(op1, 'POST', `/api/consultations/${k.id}/finalize`, { revision: 1 });
    expect(fin.statusCode, fin.body).toBe(200);
    const recent = (await api(op1, 'GET', '/api/me/consultations?status=final&recentDays=3')).json();
    expect(recent.items.map((i: { id: string }) => i.id)).toContain(k.id);
    expect(recent.items.find((i: { id: string }) => i.id === k.id).finalizedAt).not.toBeNull();
    const after = (await api(op1, 'GET', '/api/me/shift')).json() as ShiftSummary;
    expect(after.consultations).toBe(before.consultations + 1);
    expect(after.finalized).toBe(before.finalized + 1);
    expect(after.highRisk).toBe(before.highRisk + 1);
    // operator2's summary does not count operator1's work.
    const theirs = (await api(op2, 'GET', '/api/me/shift')).json() as ShiftSummary;
    expect(theirs.finalized).toBe(0);
  });
});

describe('my referrals', () => {
  it('lists the referrals I made with references (mine only), counted in my shift', async () => {
    const k = await draft(op1, { contactKind: 'about_self', consent: { referral: 'yes' } });
    const partnerId = (await t.db.pool.query("SELECT id FROM partner_orgs WHERE slug = 'police-kg-gb'"))
      .rows[0].id;
    const before = ((await api(op1, 'GET', '/api/me/shift')).json() as ShiftSummary).referrals;
    const made = await api(op1, 'POST', '/api/referrals', {
      id: crypto.randomUUID(),
      consultationId: k.id,
      partnerId,
      urgency: 'standard',
      consent: { basis: 'caller_consent' },
      fields: ['region'],
    });
    expect(made.statusCode).toBe(201);
    const r = made.json() as Referral;
    expect(r.reference).toMatch(new RegExp(`^R-${year()}-\\d{6}$`));
    expect(r.consultationReference).toBe(k.reference);
    const mine = (await api(op1, 'GET', '/api/me/referrals')).json() as Referral[];
    expect(mine.map((x) => x.id)).toContain(r.id);
    expect((await api(op2, 'GET', '/api/me/referrals')).json().map((x: Referral) => x.id)).not.toContain(
      r.id,
    );
    expect(((await api(op1, 'GET', '/api/me/shift')).json() as ShiftSummary).referrals).toBe(before + 1);
    // Its reference leads to it, and the consultation search finds the consultation it came from.
    expect((await api(op1, 'GET', `/api/references/${r.reference}`)).json()).toEqual({
      kind: 'referral',
      reference: r.reference,
      id: r.id,
      consultationId: k.id,
    });
    expect(
      (await api(op1, 'GET', `/api/me/consultations?reference=${r.reference}`))
        .json()
        .items.map((i: { id: string }) => i.id),
    ).toEqual([k.id]);
    const { numbers, last } = await numbersOf('referrals', 'R');
    expect(numbers).toEqual(consecutive(last));
  });

  it('is pushed live to every device of its author (my-work:changed) when a draft is created or finalized, not at autosaves', async () => {
    // operator1 signed in on two devices, operator2 on one.
    const devices = [op1, await signIn(t.app, 'operator1'), op2];
    const heard: MyWorkChanged[][] = [];
    for (const cookie of devices) {
      const s = await connectConsole(t.baseUrl, cookie, t.baseUrl);
      sockets.push(s);
      const got: MyWorkChanged[] = [];
      s.on('my-work:changed', (e) => got.push(e));
      heard.push(got);
    }
    const [deviceA, deviceB, other] = heard as [MyWorkChanged[], MyWorkChanged[], MyWorkChanged[]];
    const data = { contactKind: 'information' };
    const id = crypto.randomUUID();
    const body = (baseRevision: number) => ({ baseRevision, channel: 'call', data, secret: { notes: '' } });
    expect((await api(op1, 'PUT', `/api/consultations/${id}`, body(0))).statusCode).toBe(201);
    for (const got of [deviceA, deviceB])
      await vi.waitFor(() => expect(got).toContainEqual({ consultationId: id, change: 'created' }));

    // An autosave (the fast path) pushes nothing; the finalize does.
    expect((await api(op1, 'PUT', `/api/consultations/${id}`, body(1))).statusCode).toBe(200);
    const fin = await api(op1, 'POST', `/api/consultations/${id}/finalize`, { revision: 2 });
    expect(fin.statusCode, fin.body).toBe(200);
    for (const got of [deviceA, deviceB])
      await vi.waitFor(() => expect(got).toContainEqual({ consultationId: id, change: 'finalized' }));
    // Pushes from one process arrive in the order emitted: had the autosave pushed, it would be here by now.
    expect(deviceA.filter((e) => e.consultationId === id).map((e) => e.change)).toEqual([
      'created',
      'finalized',
    ]);
    // Only to her own room: another operator hears nothing of it.
    expect(other.filter((e) => e.consultationId === id)).toEqual([]);
  });

  it('the shift summary counts calls through an index on the operator and the call time', async () => {
    const { rows } = await t.db.pool.query<{ indexdef: string }>(
      "SELECT indexdef FROM pg_indexes WHERE tablename = 'calls' AND indexname = 'calls_operator_at_idx'",
    );
    expect(rows[0]?.indexdef).toMatch(/\(operator_id, COALESCE\(taken_at, answered_at, offered_at\)\)/);
    // The planner can answer the summary's count from it (sequential scans off: with a table this small it
    // would otherwise read the table whole).
    const c = await t.db.pool.connect();
    try {
      await c.query('BEGIN');
      await c.query('SET LOCAL enable_seqscan = off');
      const plan = await c.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN SELECT count(*)::int FROM calls c
          WHERE c.operator_id = $1 AND coalesce(c.taken_at, c.answered_at, c.offered_at) >= $2`,
        [op1Id, bishkekDayStart(new Date())],
      );
      expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toContain('calls_operator_at_idx');
      await c.query('ROLLBACK');
    } finally {
      c.release();
    }
  });

  it('partners cannot read my work', async () => {
    const partner = await signIn(t.app, 'partner-police-bishkek');
    expect((await api(partner, 'GET', '/api/me/consultations')).statusCode).toBe(403);
    expect((await api(partner, 'GET', '/api/me/shift')).statusCode).toBe(403);
  });
});
