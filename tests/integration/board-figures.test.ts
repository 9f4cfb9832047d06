import { randomBytes } from 'node:crypto';
import {
  callEvent,
  connectConsole,
  createTestApp,
  postEvents,
  shiftedClock,
  signIn,
  startTestWorker,
  type TestApp,
} from '@korgon/dev/testing';
import type { BoardCharts, BoardFigures, BoardMetrics, BoardWindow } from '@korgon/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** Asia/Bishkek is UTC+6 all year. */
const bishkek = (local: string) => new Date(`${local}+06:00`);
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface GenCall {
  externalId: string;
  state: 'waiting' | 'answered' | 'ended' | 'abandoned' | 'transferred' | 'lost';
  offered: number;
  answered: number | null;
  ended: number | null;
  short: boolean;
}

/**
 * A generated day of traffic on Tuesday 10 March 2026 (and a few hours either side): every kind of outcome,
 * with waits and talk times in milliseconds, and calls offered exactly on the windows' edges and answered
 * exactly at the threshold.
 */
function generateDay(): GenCall[] {
  const rnd = random(5200);
  const from = bishkek('2026-03-09T20:00:00').getTime();
  const to = bishkek('2026-03-11T02:00:00').getTime();
  const calls: GenCall[] = [];
  const add = (c: Omit<GenCall, 'externalId'>) => calls.push({ externalId: `gen-${calls.length}`, ...c });
  const wait = () => Math.round(rnd() * 90 * SECOND);
  const talk = () => Math.round(10 * SECOND + rnd() * 25 * MINUTE);
  const one = (offered: number) => {
    const k = rnd();
    if (k < 0.6) {
      const answered = offered + wait();
      return add({ state: 'ended', offered, answered, ended: answered + talk(), short: false });
    }
    if (k < 0.63)
      return add({ state: 'answered', offered, answered: offered + wait(), ended: null, short: false });
    if (k < 0.66)
      return add({ state: 'transferred', offered, answered: offered + wait(), ended: null, short: false });
    if (k < 0.67) return add({ state: 'transferred', offered, answered: null, ended: null, short: false });
    if (k < 0.87) {
      // Abandoned: a third of them within the first seconds (5 s exactly is still short).
      const w =
        rnd() < 0.33 ? Math.round(rnd() * 5 * SECOND) : Math.round(5 * SECOND + 1 + rnd() * 200 * SECOND);
      return add({ state: 'abandoned', offered, answered: null, ended: offered + w, short: w <= 5 * SECOND });
    }
    if (k < 0.875) {
      // A PBX that reported an answer and then an abandon: abandoned, not answered.
      const answered = offered + wait();
      return add({ state: 'abandoned', offered, answered, ended: answered + talk(), short: false });
    }
    if (k < 0.925)
      return add({
        state: 'lost',
        offered,
        answered: rnd() < 0.5 ? offered + wait() : null,
        ended: null,
        short: false,
      });
    if (k < 0.935) return add({ state: 'waiting', offered, answered: null, ended: null, short: false });
    // The threshold exactly (counted within), and just over it.
    const answered = offered + (rnd() < 0.5 ? 20 * SECOND : 20 * SECOND + 1);
    return add({ state: 'ended', offered, answered, ended: answered + talk(), short: false });
  };
  for (let i = 0; i < 6000; i++) one(from + Math.floor(rnd() * (to - from)));
  // On the edges of the hour, the shift and the day: each belongs to the window it opens.
  for (const edge of [
    '2026-03-10T00:00:00',
    '2026-03-10T08:00:00',
    '2026-03-10T15:00:00',
    '2026-03-10T16:00:00',
  ])
    for (let i = 0; i < 5; i++) one(bishkek(edge).getTime());
  return calls;
}

async function insertCalls(t: TestApp, calls: readonly GenCall[]) {
  const at = (ms: number | null) => (ms === null ? null : new Date(ms));
  await t.db.pool.query(
    `INSERT INTO calls (external_id, line, state, offered_at, answered_at, ended_at, short_abandoned)
     SELECT x.id, '5200', x.state::call_state, x.offered, x.answered, x.ended, x.short
       FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::timestamptz[], $6::boolean[])
         AS x(id, state, offered, answered, ended, short)`,
    [
      calls.map((c) => c.externalId),
      calls.map((c) => c.state),
      calls.map((c) => at(c.offered)),
      calls.map((c) => at(c.answered)),
      calls.map((c) => at(c.ended)),
      calls.map((c) => c.short),
    ],
  );
}

/**
 * The figures recomputed straight from the tables, written apart from packages/board: a filtered subquery
 * per window, sums of CASE, epochs subtracted.
 */
async function recompute(t: TestApp, from: Date, to: Date, threshold = 20) {
  const { rows } = await t.db.pool.query(
    `SELECT count(*)::int AS offered,
            coalesce(sum(CASE WHEN answered_at IS NOT NULL AND state IN ('answered', 'ended', 'transferred')
                              THEN 1 END), 0)::int AS answered,
            coalesce(sum(CASE WHEN state = 'abandoned' THEN 1 END), 0)::int AS abandoned,
            coalesce(sum(CASE WHEN state = 'abandoned' AND short_abandoned THEN 1 END), 0)::int AS short,
            coalesce(sum(CASE WHEN state = 'lost' THEN 1 END), 0)::int AS lost,
            coalesce(sum(CASE WHEN answered_at IS NOT NULL AND state IN ('answered', 'ended', 'transferred')
                               AND extract(epoch FROM answered_at) - extract(epoch FROM offered_at) <= $3
                              THEN 1 END), 0)::int AS within,
            (sum(CASE WHEN answered_at IS NOT NULL AND state IN ('answered', 'ended', 'transferred')
                      THEN extract(epoch FROM answered_at) - extract(epoch FROM offered_at) END)
              / nullif(sum(CASE WHEN answered_at IS NOT NULL AND state IN ('answered', 'ended', 'transferred')
                                THEN 1 END), 0))::float8 AS asa,
            (sum(CASE WHEN state = 'ended' AND answered_at IS NOT NULL
                      THEN extract(epoch FROM ended_at) - extract(epoch FROM answered_at) END)
              / nullif(sum(CASE WHEN state = 'ended' AND answered_at IS NOT NULL THEN 1 END), 0))::float8 AS aht
       FROM (SELECT * FROM calls WHERE offered_at >= $1 AND offered_at < $2) c`,
    [from, to, threshold],
  );
  const r = rows[0];
  const divisor = r.answered + r.abandoned - r.short;
  const wrap = await t.db.pool.query(
    `SELECT (sum(extract(epoch FROM ended_at) - extract(epoch FROM started_at)) / nullif(count(*), 0))::float8 AS s
       FROM operator_state_log
      WHERE status = 'wrap_up' AND ended_at IS NOT NULL AND started_at >= $1 AND started_at < $2`,
    [from, to],
  );
  return {
    metrics: {
      offered: r.offered,
      answered: r.answered,
      abandoned: r.abandoned,
      shortAbandoned: r.short,
      lost: r.lost,
      answeredWithinThreshold: r.within,
      thresholdSeconds: threshold,
      serviceLevel: divisor > 0 ? r.within / divisor : null,
      asaSeconds: r.asa as number | null,
      ahtSeconds: r.aht as number | null,
    },
    wrapUpSeconds: wrap.rows[0]?.s as number | null,
  };
}

/** The same counts once more, from the generated calls in memory. */
function countsOf(calls: readonly GenCall[], from: Date, to: Date) {
  const inWindow = calls.filter((c) => c.offered >= from.getTime() && c.offered < to.getTime());
  const answered = inWindow.filter(
    (c) => c.answered !== null && ['answered', 'ended', 'transferred'].includes(c.state),
  );
  return {
    offered: inWindow.length,
    answered: answered.length,
    abandoned: inWindow.filter((c) => c.state === 'abandoned').length,
    shortAbandoned: inWindow.filter((c) => c.state === 'abandoned' && c.short).length,
    lost: inWindow.filter((c) => c.state === 'lost').length,
    answeredWithinThreshold: answered.filter((c) => (c.answered as number) - c.offered <= 20 * SECOND).length,
  };
}

function expectSame(actual: BoardMetrics, expected: Awaited<ReturnType<typeof recompute>>['metrics']) {
  const { asaSeconds, ahtSeconds, serviceLevel, ...counts } = expected;
  expect(actual).toMatchObject(counts);
  for (const [k, v] of Object.entries({ asaSeconds, ahtSeconds, serviceLevel })) {
    const got = actual[k as keyof BoardMetrics] as number | null;
    if (v === null) expect(got, k).toBeNull();
    else expect(got, k).toBeCloseTo(v, 6);
  }
}

describe('the board figures over a generated day of traffic', () => {
  let t: TestApp;
  let supervisor: string;
  let calls: GenCall[];
  const clock = shiftedClock();
  clock.set(bishkek('2026-03-10T15:30:00'));

  beforeAll(async () => {
    t = await createTestApp({ label: 'board-figures', clock });
    supervisor = await signIn(t.app, 'supervisor');
    calls = generateDay();
    await insertCalls(t, calls);
    // Wrap-ups of known length (the supervisor's, so the operators-online chart is not touched), some
    // beginning before the day, one still running (never counted).
    const rnd = random(11);
    const starts = Array.from(
      { length: 400 },
      () => bishkek('2026-03-09T22:00:00').getTime() + Math.floor(rnd() * 28 * HOUR),
    );
    await t.db.pool.query(
      `INSERT INTO operator_state_log (user_id, status, started_at, ended_at)
       SELECT u.id, 'wrap_up', s, s + make_interval(secs => d)
         FROM users u, unnest($1::timestamptz[], $2::float8[]) AS x(s, d)
        WHERE u.username = 'supervisor'`,
      [starts.map((s) => new Date(s)), starts.map(() => 5 + rnd() * 600)],
    );
    // Operators online: operator1 08:00–12:00 available; operator2 on a call 10:00–10:30, wrap-up to 10:32.
    await t.db.pool.query(
      `INSERT INTO operator_state_log (user_id, status, started_at, ended_at)
       SELECT u.id, x.status::operator_status, x.s, x.e
         FROM (VALUES ('operator1', 'available', $1::timestamptz, $2::timestamptz),
                      ('operator2', 'on_call', $3, $4), ('operator2', 'wrap_up', $4, $5),
                      ('operator3', 'offline', $1, $2)) AS x(who, status, s, e)
         JOIN users u ON u.username = x.who`,
      [
        bishkek('2026-03-10T08:00:00'),
        bishkek('2026-03-10T12:00:00'),
        bishkek('2026-03-10T10:00:00'),
        bishkek('2026-03-10T10:30:00'),
        bishkek('2026-03-10T10:32:00'),
      ],
    );
  });
  afterAll(async () => t?.close());

  const windows = {
    hour: [bishkek('2026-03-10T15:00:00'), bishkek('2026-03-10T16:00:00')],
    shift: [bishkek('2026-03-10T08:00:00'), bishkek('2026-03-10T20:00:00')],
    today: [bishkek('2026-03-10T00:00:00'), bishkek('2026-03-11T00:00:00')],
  } as const;

  it('has generated several thousand calls of every outcome', () => {
    expect(calls.length).toBeGreaterThan(5000);
    const [from, to] = windows.today;
    const c = countsOf(calls, from, to);
    expect(c.offered).toBeGreaterThan(4000);
    for (const v of Object.values(c)) expect(v).toBeGreaterThan(10);
  });

  for (const name of ['hour', 'shift', 'today'] as const) {
    it(`answers /api/board/metrics for the ${name} as a direct recomputation does`, async () => {
      const [from, to] = windows[name];
      const res = await t.app.inject({
        method: 'GET',
        url: `/api/board/metrics?from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}`,
        headers: { cookie: supervisor },
      });
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json<BoardMetrics>();
      const expected = await recompute(t, from, to);
      expectSame(body, expected.metrics);
      expect(body).toMatchObject(countsOf(calls, from, to));
    });
  }

  it('counts a window holding a whole settled day from the stored day totals, and a late write to that day anew', async () => {
    // 10 March is a whole Bishkek day inside this window, with uneven edges on either side.
    const from = bishkek('2026-03-09T21:17:00');
    const to = bishkek('2026-03-11T01:42:30');
    const ask = async () => {
      const res = await t.app.inject({
        method: 'GET',
        url: `/api/board/metrics?from=${from.toISOString()}&to=${to.toISOString()}`,
        headers: { cookie: supervisor },
      });
      expect(res.statusCode, res.body).toBe(200);
      return res.json<BoardMetrics>();
    };
    const first = await ask();
    expectSame(first, (await recompute(t, from, to)).metrics);
    expect(first).toMatchObject(countsOf(calls, from, to));
    const stored = await t.db.pool.query<{ day: string; offered: number; version: string }>(
      `SELECT day::text, offered, version FROM call_day_totals WHERE threshold_seconds = 20`,
    );
    expect(stored.rows.map((r) => r.day)).toEqual(['2026-03-10']);
    const day10 = countsOf(calls, bishkek('2026-03-10T00:00:00'), bishkek('2026-03-11T00:00:00'));
    expect(stored.rows[0]?.offered).toBe(day10.offered);
    // Asked again: the same answer from the stored row.
    expectSame(await ask(), (await recompute(t, from, to)).metrics);

    // A late end event for a call of 10 March closed as lost (the PBX's truth wins): the stored day is stale.
    const picked = await t.db.pool.query<{ id: string; answered_at: Date | null }>(
      `SELECT id, answered_at FROM calls WHERE state = 'lost' AND offered_at >= $1 AND offered_at < $2
        ORDER BY offered_at LIMIT 1`,
      [bishkek('2026-03-10T00:00:00'), bishkek('2026-03-11T00:00:00')],
    );
    const lostCall = picked.rows[0];
    if (!lostCall) throw new Error('the generated day has no lost call on 10 March');
    const late = await t.db.pool.query(
      `UPDATE calls SET state = 'ended', answered_at = offered_at + interval '7 seconds',
                        ended_at = offered_at + interval '5 minutes'
        WHERE id = $1`,
      [lostCall.id],
    );
    expect(late.rowCount).toBe(1);
    const again = await ask();
    expect(again.lost).toBe(first.lost - 1);
    expect(again.answered).toBe(first.answered + 1);
    expectSame(again, (await recompute(t, from, to)).metrics);
    const restored = await t.db.pool.query<{ version: string }>(
      `SELECT t.version FROM call_day_totals t JOIN call_day_versions v USING (day) WHERE t.version = v.version`,
    );
    expect(restored.rowCount).toBe(1);
    // Put back, so the other windows' checks below see the generated day as it was made.
    await t.db.pool.query(
      `UPDATE calls SET state = 'lost', ended_at = NULL, answered_at = $2 WHERE id = $1`,
      [lostCall.id, lostCall.answered_at],
    );
  });

  it('gives the same windows in the board’s figures, with the wrap-up time apart, and the live counts', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/board/figures',
      headers: { cookie: supervisor },
    });
    expect(res.statusCode, res.body).toBe(200);
    const figures = res.json<BoardFigures>();
    for (const name of ['hour', 'shift', 'today'] as const) {
      const [from, to] = windows[name];
      const w: BoardWindow = figures.windows[name];
      expect([w.from, w.to]).toEqual([from.toISOString(), to.toISOString()]);
      const expected = await recompute(t, from, to);
      expectSame(w, expected.metrics);
      expect(expected.wrapUpSeconds).not.toBeNull();
      expect(w.wrapUpSeconds).toBeCloseTo(expected.wrapUpSeconds as number, 6);
    }
    const waiting = calls.filter((c) => c.state === 'waiting');
    expect(figures.live.waiting).toBe(waiting.length);
    expect(figures.live.longestWaitSince).toBe(
      new Date(Math.min(...waiting.map((c) => c.offered))).toISOString(),
    );
    expect(figures.live.inProgress).toBe(calls.filter((c) => c.state === 'answered').length);
  });

  it('charts today’s calls and service level per hour, and the operators online across the shift', async () => {
    // Three calls at 10:xx on each of the last two Tuesdays: the typical 10 o'clock is (3 + 3) / 4.
    await insertCalls(
      t,
      ['2026-03-03', '2026-02-24'].flatMap((day, d) =>
        [5, 20, 40].map((m, i) => ({
          externalId: `week-${d}-${i}`,
          state: 'ended' as const,
          offered: bishkek(`${day}T10:${String(m).padStart(2, '0')}:00`).getTime(),
          answered: bishkek(`${day}T10:${String(m).padStart(2, '0')}:10`).getTime(),
          ended: bishkek(`${day}T10:${String(m + 5).padStart(2, '0')}:00`).getTime(),
          short: false,
        })),
      ),
    );
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/board/charts',
      headers: { cookie: supervisor },
    });
    expect(res.statusCode, res.body).toBe(200);
    const charts = res.json<BoardCharts>();
    expect(charts.date).toBe('2026-03-10');
    expect(charts.comparedWith).toEqual(['2026-03-03', '2026-02-24', '2026-02-17', '2026-02-10']);
    expect(charts.hours).toHaveLength(24);
    for (const h of [0, 9, 15]) {
      const from = bishkek(`2026-03-10T${String(h).padStart(2, '0')}:00:00`);
      const expected = await recompute(t, from, new Date(from.getTime() + HOUR));
      expect(charts.hours[h]?.offered).toBe(expected.metrics.offered);
      expect(charts.hours[h]?.serviceLevel).toBeCloseTo(expected.metrics.serviceLevel as number, 6);
    }
    expect(charts.hours[10]?.typicalOffered).toBe(1.5);
    expect(charts.hours[11]?.typicalOffered).toBe(0);
    // Hours not begun yet (it is 15:30) have no figures.
    expect(charts.hours[16]).toMatchObject({ offered: null, serviceLevel: null });

    const online = Object.fromEntries(charts.operatorsOnline.points.map((p) => [p.at, p.online]));
    const at = (hhmm: string) => bishkek(`2026-03-10T${hhmm}:00`).toISOString();
    expect(charts.operatorsOnline.points[0]?.at).toBe(at('08:00'));
    expect(charts.operatorsOnline.points.at(-1)?.at).toBe(charts.at);
    expect(
      [at('08:00'), at('09:45'), at('10:00'), at('10:30'), at('10:45'), at('12:00')].map((k) => online[k]),
    ).toEqual([1, 1, 2, 2, 1, 0]);
  });

  it('counts service level, ASA and AHT as the definitions say, on a hand-checked hour', async () => {
    const t0 = bishkek('2025-01-01T11:00:00').getTime();
    const s = (n: number) => n * SECOND;
    await insertCalls(t, [
      // Divisor 0: only short abandons and lost calls.
      {
        externalId: 'h0-a',
        state: 'abandoned',
        offered: t0 - HOUR,
        answered: null,
        ended: t0 - HOUR + s(3),
        short: true,
      },
      {
        externalId: 'h0-b',
        state: 'abandoned',
        offered: t0 - s(60),
        answered: null,
        ended: t0 - s(55),
        short: true,
      },
      {
        externalId: 'h0-c',
        state: 'lost',
        offered: t0 - s(100),
        answered: t0 - s(95),
        ended: null,
        short: false,
      },
      { externalId: 'h0-d', state: 'lost', offered: t0 - s(200), answered: null, ended: null, short: false },
      // 11:00: answered in 10, 20 (the threshold) and 30 s, talking 100, 200 and 300 s.
      {
        externalId: 'h1-a',
        state: 'ended',
        offered: t0,
        answered: t0 + s(10),
        ended: t0 + s(110),
        short: false,
      },
      {
        externalId: 'h1-b',
        state: 'ended',
        offered: t0 + s(60),
        answered: t0 + s(80),
        ended: t0 + s(280),
        short: false,
      },
      {
        externalId: 'h1-c',
        state: 'ended',
        offered: t0 + s(120),
        answered: t0 + s(150),
        ended: t0 + s(450),
        short: false,
      },
      {
        externalId: 'h1-d',
        state: 'abandoned',
        offered: t0 + s(200),
        answered: null,
        ended: t0 + s(204),
        short: true,
      },
      {
        externalId: 'h1-e',
        state: 'abandoned',
        offered: t0 + s(300),
        answered: null,
        ended: t0 + s(340),
        short: false,
      },
      {
        externalId: 'h1-f',
        state: 'lost',
        offered: t0 + s(400),
        answered: t0 + s(405),
        ended: null,
        short: false,
      },
      {
        externalId: 'h1-g',
        state: 'transferred',
        offered: t0 + s(500),
        answered: t0 + s(508),
        ended: null,
        short: false,
      },
      {
        externalId: 'h1-h',
        state: 'answered',
        offered: t0 + s(600),
        answered: t0 + s(602),
        ended: null,
        short: false,
      },
      // 12:00 exactly is the next hour's.
      {
        externalId: 'h2-a',
        state: 'abandoned',
        offered: t0 + HOUR,
        answered: null,
        ended: t0 + HOUR + s(30),
        short: false,
      },
    ]);
    const metrics = async (from: number, to: number) => {
      const res = await t.app.inject({
        method: 'GET',
        url: `/api/board/metrics?from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`,
        headers: { cookie: supervisor },
      });
      expect(res.statusCode, res.body).toBe(200);
      return res.json<BoardMetrics>();
    };
    expect(await metrics(t0 - HOUR, t0)).toEqual({
      offered: 4,
      answered: 0,
      abandoned: 2,
      shortAbandoned: 2,
      lost: 2,
      answeredWithinThreshold: 0,
      thresholdSeconds: 20,
      serviceLevel: null,
      asaSeconds: null,
      ahtSeconds: null,
    });
    // Answered: a, b, c, g, h (f is lost, counted apart); within 20 s: a, b, g, h; the divisor leaves out the
    // short abandon d: 4 ÷ (5 + 2 − 1).
    expect(await metrics(t0, t0 + HOUR)).toEqual({
      offered: 8,
      answered: 5,
      abandoned: 2,
      shortAbandoned: 1,
      lost: 1,
      answeredWithinThreshold: 4,
      thresholdSeconds: 20,
      serviceLevel: 4 / 6,
      asaSeconds: (10 + 20 + 30 + 8 + 2) / 5,
      ahtSeconds: 200,
    });
  });

  it('names the field of a bad query', async () => {
    const bad = async (query: string) => {
      const res = await t.app.inject({
        method: 'GET',
        url: `/api/board/metrics?${query}`,
        headers: { cookie: supervisor },
      });
      expect(res.statusCode).toBe(400);
      return res.json<{ message: string; issues: { path: string }[] }>();
    };
    const noZone = await bad('from=2026-03-10T08:00:00&to=2026-03-10T20:00:00Z');
    expect(noZone.issues.map((i) => i.path)).toEqual(['querystring.from']);
    expect(noZone.message).toMatch(/from: must be an ISO-8601 time with a zone/);
    const backwards = await bad('from=2026-03-10T20:00:00Z&to=2026-03-10T08:00:00Z');
    expect(backwards.issues.map((i) => i.path)).toEqual(['querystring.to']);
    const missing = await bad('from=2026-03-10T20:00:00Z');
    expect(missing.message).toMatch(/to/);
  });
});

describe('who may read the board figures', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ label: 'board-figures-roles' });
  });
  afterAll(async () => t?.close());

  /** A wall display's session, made as its pairing makes one: a `wall` account and a live session. */
  async function wallCookie(): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await t.db.pool.query(
      `WITH u AS (INSERT INTO users (username, display_name, password_hash, role)
                  VALUES ('wall-1', 'Call room screen', 'x', 'wall') RETURNING id)
       INSERT INTO sessions (id, user_id, expires_at) SELECT $1, id, now() + interval '1 day' FROM u`,
      [t.app.auth.sessionIdOf(token)],
    );
    return `${t.app.sessionCookie.name}=${token}`;
  }

  it('lets a wall display read the figures but not the metrics or charts; an operator reads neither', async () => {
    const get = async (url: string, cookie: string) =>
      (await t.app.inject({ method: 'GET', url, headers: { cookie } })).statusCode;
    const metrics = '/api/board/metrics?from=2026-03-10T00:00:00Z&to=2026-03-11T00:00:00Z';
    const wall = await wallCookie();
    expect(await get('/api/board/figures', wall)).toBe(200);
    expect(await get(metrics, wall)).toBe(403);
    expect(await get('/api/board/charts', wall)).toBe(403);
    const operator = await signIn(t.app, 'operator1');
    for (const url of ['/api/board/figures', metrics, '/api/board/charts'])
      expect(await get(url, operator)).toBe(403);
    const manager = await signIn(t.app, 'manager');
    expect(await get(metrics, manager)).toBe(200);
    expect(await get('/api/board/charts', manager)).toBe(200);
    const supervisor = await signIn(t.app, 'supervisor');
    for (const url of ['/api/board/figures', metrics, '/api/board/charts'])
      expect(await get(url, supervisor)).toBe(200);
  });

  it('lists the three routes in the OpenAPI document', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json<{
      paths: Record<string, { get?: { responses: Record<string, unknown> } }>;
    }>();
    for (const p of ['/api/board/figures', '/api/board/metrics', '/api/board/charts'])
      expect(Object.keys(doc.paths[p]?.get?.responses ?? {})).toContain('200');
  });
});

describe('the board:figures push', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ listen: true, label: 'board-push', env: { WRAP_UP_SECONDS: '1' } });
  });
  afterAll(async () => t?.close());

  function figuresOn(socket: Awaited<ReturnType<typeof connectConsole>>) {
    const seen: BoardFigures[] = [];
    const waiters: { match: (f: BoardFigures) => boolean; resolve: (f: BoardFigures) => void }[] = [];
    socket.on('board:figures', (f) => {
      seen.push(f);
      for (const w of [...waiters])
        if (w.match(f)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(f);
        }
    });
    return (match: (f: BoardFigures) => boolean, timeoutMs = 10_000) =>
      new Promise<BoardFigures>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no matching board:figures arrived')), timeoutMs);
        waiters.push({
          match,
          resolve: (f) => {
            clearTimeout(timer);
            resolve(f);
          },
        });
      });
  }

  it('reaches a supervisor’s console after a call is posted through the signed PBX endpoint', async () => {
    const cookie = await signIn(t.app, 'supervisor');
    const socket = await connectConsole(t.baseUrl, cookie);
    try {
      const next = figuresOn(socket);
      const before = (
        await t.app.inject({ method: 'GET', url: '/api/board/figures', headers: { cookie } })
      ).json<BoardFigures>();
      const pushed = next((f) => f.live.waiting === before.live.waiting + 1);
      const posted = await postEvents(
        t.app,
        t.env.TELEPHONY_SECRET,
        callEvent('push-1', 'call.offered', new Date()),
      );
      expect(posted.statusCode).toBe(200);
      const f = await pushed;
      expect(f.live.longestWaitSince).not.toBeNull();
      expect(f.windows.today.offered).toBe(before.windows.today.offered + 1);
    } finally {
      socket.close();
    }
  });

  it('comes from the worker too: the end of a wrap-up it runs', async () => {
    const worker = await startTestWorker(t.databaseUrl, { ...t.env, WRAP_UP_SECONDS: 1 });
    const cookie = await signIn(t.app, 'supervisor');
    const socket = await connectConsole(t.baseUrl, cookie);
    try {
      const next = figuresOn(socket);
      const inWrapUp = next((f) => f.live.operators.wrap_up === 1);
      const now = Date.now();
      await postEvents(t.app, t.env.TELEPHONY_SECRET, [
        callEvent('push-2', 'call.offered', new Date(now - 20_000)),
        callEvent('push-2', 'call.answered', new Date(now - 10_000), { extension: '101' }),
        callEvent('push-2', 'call.ended', new Date(now)),
      ]);
      await inWrapUp;
      // The worker ends the wrap-up a second later and pushes the figures through the Redis emitter.
      const after = await next((f) => f.live.operators.wrap_up === 0);
      expect(after.windows.today.answered).toBeGreaterThanOrEqual(1);
    } finally {
      socket.close();
      await worker.stop();
    }
  });
});
