import { BISHKEK_OFFSET_MINUTES } from '@korgon/domain';
import type pg from 'pg';

/**
 * Four weeks of call history for the demo (`pnpm start`), so the board's figures and charts mean something
 * from the first minute: calls offered, answered, abandoned (some within seconds) and a few lost, with the line's
 * daily profile (quiet nights, a morning rise, an evening peak), answered by the demo operators on their shifts,
 * and the operator states log those calls leave (on call, wrap-up, available).
 *
 * A small queue simulation, deterministic: the same hour always rings the same calls (a random generator seeded
 * by the hour, and each call by its id). Calls have ids `demo-h-<YYYYMMDD>-<n>`; a day that has any is left
 * alone, so every start adds only the days missing (today: up to now, once). No caller number, no hash.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const OFFSET = BISHKEK_OFFSET_MINUTES * MINUTE;

/** Mean calls offered per Bishkek hour, 0 to 23 (a few hundred a day at most; docs/domain.md §11). */
const HOURLY = [
  2, 1.5, 1, 0.8, 0.7, 0.8, 1.2, 2.5, 4.5, 6, 7, 7.5, 7, 6.5, 6.5, 6.5, 7, 8, 9, 9.5, 9, 7.5, 5, 3.5,
];
/** By weekday, Sunday first: more calls after the weekend and on weekend evenings. */
const WEEKDAY = [1.1, 1.15, 1, 1, 0.95, 1.05, 1.1];

/** Who is on shift, by Bishkek hour [from, to): the demo's three operators (docs/board.md, BOARD_SHIFTS). */
const SHIFTS: Record<string, [number, number][]> = {
  operator1: [[8, 20]],
  operator2: [
    [0, 8],
    [20, 24],
  ],
  operator3: [[12, 24]],
};

/** mulberry32: a small, fast generator; good enough for demo traffic. */
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

function seedOf(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

const poisson = (rnd: () => number, mean: number) => {
  const limit = Math.exp(-mean);
  let k = 0;
  for (let p = rnd(); p > limit; p *= rnd()) k++;
  return k;
};
const exponential = (rnd: () => number, mean: number) => -Math.log(1 - rnd()) * mean;

const dayKey = (t: number) => new Date(t + OFFSET).toISOString().slice(0, 10).replaceAll('-', '');

interface HistoryCall {
  externalId: string;
  state: 'ended' | 'abandoned' | 'lost';
  offeredAt: number;
  answeredAt: number | null;
  endedAt: number | null;
  shortAbandoned: boolean;
  operator: string | null;
}

interface Period {
  operator: string;
  status: 'available' | 'on_call' | 'wrap_up';
  callId: string | null;
  from: number;
  to: number;
}

/** Simulates [from, until): calls, and each operator's periods (clipped to `until`). Pure. */
export function simulateHistory(from: number, until: number): { calls: HistoryCall[]; periods: Period[] } {
  const calls: HistoryCall[] = [];
  const periods: Period[] = [];
  const freeAt = new Map<string, number>();
  /** Where each operator's current available period began (null: off shift or busy). */
  const availableSince = new Map<string, number | null>();
  const onShift = (op: string, t: number) => {
    const h = new Date(t + OFFSET).getUTCHours();
    return (SHIFTS[op] ?? []).some(([a, b]) => h >= a && h < b);
  };
  const shiftEnd = (op: string, t: number) => {
    const midnight = Math.floor((t + OFFSET) / DAY) * DAY - OFFSET;
    const h = new Date(t + OFFSET).getUTCHours();
    const block = (SHIFTS[op] ?? []).find(([a, b]) => h >= a && h < b);
    return block ? midnight + block[1] * HOUR : t;
  };
  const operators = Object.keys(SHIFTS);
  const closeAvailable = (op: string, at: number) => {
    const since = availableSince.get(op);
    if (since != null && at > since)
      periods.push({ operator: op, status: 'available', callId: null, from: since, to: at });
    availableSince.set(op, null);
  };

  // Hour by hour; the last 45 minutes before `until` ring no calls, so every call has ended by then.
  const lastOffer = until - 45 * MINUTE;
  for (let hour = Math.floor(from / HOUR) * HOUR; hour < until; hour += HOUR) {
    // Shift changes at this hour: operators come on (available) or go off (the available period ends).
    for (const op of operators) {
      const on = onShift(op, hour);
      const since = availableSince.get(op);
      if (on && since == null && (freeAt.get(op) ?? 0) <= hour) availableSince.set(op, hour);
      if (!on && since != null) closeAvailable(op, hour);
    }
    const local = new Date(hour + OFFSET);
    const rnd = random(seedOf(`hour:${hour}`));
    const mean = (HOURLY[local.getUTCHours()] ?? 1) * (WEEKDAY[local.getUTCDay()] ?? 1);
    const offers = Array.from({ length: poisson(rnd, mean) }, () => hour + Math.floor(rnd() * HOUR)).sort(
      (a, b) => a - b,
    );
    offers.forEach((offeredAt, n) => {
      if (offeredAt < from || offeredAt >= lastOffer) return;
      const externalId = `demo-h-${dayKey(offeredAt)}-${local.getUTCHours().toString().padStart(2, '0')}${n.toString().padStart(3, '0')}`;
      const r = random(seedOf(externalId));
      // The operator on shift who is free first (an operator just back from a wrap-up is free).
      let best: { op: string; at: number } | null = null;
      for (const op of operators) {
        if (!onShift(op, offeredAt)) continue;
        const at = Math.max(offeredAt, freeAt.get(op) ?? 0);
        if (!best || at < best.at) best = { op, at };
      }
      // A few callers hang up within seconds whatever the wait; the others wait a minute or two.
      const patience = r() < 0.04 ? 1000 + r() * 4000 : 5000 + exponential(r, 120_000);
      const ring = 2000 + r() * 6000;
      const answerAt = best ? best.at + ring : Number.POSITIVE_INFINITY;
      if (!best || answerAt - offeredAt > patience) {
        const endedAt = Math.round(offeredAt + patience);
        calls.push({
          externalId,
          state: 'abandoned',
          offeredAt,
          answeredAt: null,
          endedAt,
          shortAbandoned: endedAt - offeredAt <= 5000,
          operator: null,
        });
        return;
      }
      const answeredAt = Math.round(answerAt);
      const talk = 60_000 + Math.min(exponential(r, 240_000), 20 * MINUTE);
      const endedAt = Math.round(answeredAt + talk);
      const wrapUp = 45_000 + Math.min(exponential(r, 60_000), 4 * MINUTE);
      const lost = r() < 0.015;
      calls.push({
        externalId,
        state: lost ? 'lost' : 'ended',
        offeredAt,
        answeredAt,
        endedAt: lost ? null : endedAt,
        shortAbandoned: false,
        operator: best.op,
      });
      closeAvailable(best.op, answeredAt);
      periods.push({
        operator: best.op,
        status: 'on_call',
        callId: externalId,
        from: answeredAt,
        to: endedAt,
      });
      const back = Math.round(endedAt + wrapUp);
      periods.push({ operator: best.op, status: 'wrap_up', callId: externalId, from: endedAt, to: back });
      freeAt.set(best.op, back);
      if (onShift(best.op, back) && back < shiftEnd(best.op, back)) availableSince.set(best.op, back);
    });
  }
  for (const op of operators) closeAvailable(op, until);
  return {
    calls,
    periods: periods
      .filter((p) => p.from < until && p.from >= from)
      .map((p) => ({ ...p, to: Math.min(p.to, until) })),
  };
}

export interface HistoryResult {
  days: number;
  calls: number;
  periods: number;
}

/**
 * Adds the demo's history for the days (Asia/Bishkek) of the last `days` weeks' worth that have none, up to
 * `now` (the default: four weeks and today). Only on a demo database (its demo operators exist).
 */
export async function seedDemoHistory(
  pool: pg.Pool,
  opts: { now?: Date; days?: number } = {},
): Promise<HistoryResult> {
  const now = (opts.now ?? new Date()).getTime();
  const today = Math.floor((now + OFFSET) / DAY) * DAY - OFFSET;
  const from = today - (opts.days ?? 28) * DAY;
  const { rows: people } = await pool.query<{ id: string; username: string; extension: string | null }>(
    `SELECT id, username, extension FROM users WHERE username = ANY($1::text[]) AND role = 'operator'`,
    [Object.keys(SHIFTS)],
  );
  const byName = new Map(people.map((p) => [p.username, p]));
  if (byName.size < Object.keys(SHIFTS).length) return { days: 0, calls: 0, periods: 0 };
  const { rows: seeded } = await pool.query<{ day: string }>(
    `SELECT DISTINCT substr(external_id, 8, 8) AS day FROM calls
      WHERE external_id LIKE 'demo-h-%' AND offered_at >= $1`,
    [new Date(from)],
  );
  const done = new Set(seeded.map((r) => r.day));
  const missing = (t: number) => !done.has(dayKey(t));
  const sim = simulateHistory(from, now);
  const calls = sim.calls.filter((c) => missing(c.offeredAt));
  const periods = sim.periods.filter((p) => missing(p.from));
  if (calls.length === 0 && periods.length === 0) return { days: 0, calls: 0, periods: 0 };

  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const at = (t: number | null) => (t === null ? null : new Date(t));
    const { rows: inserted } = await client.query<{ id: string; external_id: string }>(
      `INSERT INTO calls (external_id, line, state, offered_at, answered_at, ended_at, short_abandoned, extension,
                          operator_id, taken_at, lost_at, created_at, updated_at)
       SELECT x.external_id, '5200', x.state::call_state, x.offered_at, x.answered_at, x.ended_at, x.short_abandoned,
              x.extension, x.operator_id, x.answered_at,
              CASE WHEN x.state = 'lost' THEN x.answered_at + interval '4 hours' END,
              x.offered_at, coalesce(x.ended_at, x.answered_at, x.offered_at)
         FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::timestamptz[], $6::boolean[],
                     $7::text[], $8::uuid[])
           AS x(external_id, state, offered_at, answered_at, ended_at, short_abandoned, extension, operator_id)
       ON CONFLICT (external_id) DO NOTHING
       RETURNING id, external_id`,
      [
        calls.map((c) => c.externalId),
        calls.map((c) => c.state),
        calls.map((c) => at(c.offeredAt)),
        calls.map((c) => at(c.answeredAt)),
        calls.map((c) => at(c.endedAt)),
        calls.map((c) => c.shortAbandoned),
        calls.map((c) => (c.operator ? (byName.get(c.operator)?.extension ?? null) : null)),
        calls.map((c) => (c.operator ? (byName.get(c.operator)?.id ?? null) : null)),
      ],
    );
    const callIds = new Map(inserted.map((r) => [r.external_id, r.id]));
    await client.query(
      `INSERT INTO operator_state_log (user_id, status, call_id, started_at, ended_at)
       SELECT * FROM unnest($1::uuid[], $2::operator_status[], $3::uuid[], $4::timestamptz[], $5::timestamptz[])`,
      [
        periods.map((p) => byName.get(p.operator)?.id),
        periods.map((p) => p.status),
        periods.map((p) => (p.callId ? (callIds.get(p.callId) ?? null) : null)),
        periods.map((p) => new Date(p.from)),
        periods.map((p) => new Date(p.to)),
      ],
    );
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
  return {
    days: new Set(calls.map((c) => dayKey(c.offeredAt))).size,
    calls: calls.length,
    periods: periods.length,
  };
}
