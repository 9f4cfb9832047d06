import { inTransaction, type Queryable } from '@korgon/db';
import { BISHKEK_OFFSET_MINUTES, Methodology, Taxonomy } from '@korgon/domain';
import type { SealKey } from '@korgon/signing';
import type pg from 'pg';
import {
  callTimes,
  contactKindOf,
  generateRecords,
  type HistoryRecords,
  insertRecords,
  type RecordsContext,
  type Rng,
  random,
  seedOf,
  uuidOf,
} from './history-records';
import { createDemoHistoryRepository } from './history-repository';

/**
 * A year of history for the demo (`pnpm start`), so the board's figures and charts and the managers'
 * statistics mean something from the first minute: calls offered, answered, abandoned (some within seconds)
 * and a few lost, with the line's daily profile (quiet nights, a morning rise, an evening peak), answered by
 * the demo operators on their shifts, the operator states log those calls leave (on call, wrap-up,
 * available), and behind every answered call its finalized consultation with its assessment, referrals and
 * follow-ups (history-records.ts).
 *
 * A small queue simulation, deterministic: the same hour always rings the same calls (a random generator seeded
 * by the hour, and each call by its id, which also fixes its contact kind and so how long it lasts). Calls have
 * ids `demo-h-<YYYYMMDD>-<n>`; a day that has any is left alone, so every start adds only the days missing
 * (today: up to now, once). The records are made for every answered history call that has no consultation
 * yet, so a database seeded with calls only (four weeks, by an earlier version) gets its records too, and a
 * second start adds nothing. No caller number, no hash, no free text in clear.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const OFFSET = BISHKEK_OFFSET_MINUTES * MINUTE;

/** The taxonomy and methodology versions the history is recorded under (reference data of every installation). */
const HISTORY_TAXONOMY = 'kg-2026.1';
const HISTORY_METHODOLOGY = ['kg-hotline-risk', '0.1'] as const;

/** Mean calls offered per Bishkek hour, 0 to 23, before VOLUME (docs/domain.md §11). */
const HOURLY = [
  2, 1.5, 1, 0.8, 0.7, 0.8, 1.2, 2.5, 4.5, 6, 7, 7.5, 7, 6.5, 6.5, 6.5, 7, 8, 9, 9.5, 9, 7.5, 5, 3.5,
];
/** Scales HOURLY to a few hundred calls a day (about 250; about 90,000 a year). */
const VOLUME = 1.9;
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

const poisson = (rnd: () => number, mean: number) => {
  const limit = Math.exp(-mean);
  let k = 0;
  for (let p = rnd(); p > limit; p *= rnd()) k++;
  return k;
};
const exponential = (rnd: () => number, mean: number) => -Math.log(1 - rnd()) * mean;

/** Whether a demo operator is on shift at an instant. */
const onShift = (op: string, t: number) => {
  const h = new Date(t + OFFSET).getUTCHours();
  return (SHIFTS[op] ?? []).some(([a, b]) => h >= a && h < b);
};

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
    const mean = (HOURLY[local.getUTCHours()] ?? 1) * (WEEKDAY[local.getUTCDay()] ?? 1) * VOLUME;
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
      // Silent, hang-up and wrong-number calls are over in seconds; a consultation takes minutes.
      const { talk, wrapUp } = callTimes(contactKindOf(externalId), r);
      const endedAt = Math.round(answeredAt + talk);
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
  /** Records made behind answered calls (call-backs included), and their assessments, referrals, follow-ups. */
  consultations: number;
  assessments: number;
  referrals: number;
  followUps: number;
}

export interface HistoryOptions {
  now?: Date;
  /** Days of history before today (default: a year). */
  days?: number;
  /** The notes key: why a follow-up was missed or cancelled, or a referral rejected, is sealed with it. */
  key?: SealKey;
  /** FOLLOW_UP_ORDER_CHECKIN_DAYS. */
  orderCheckinDays?: number;
}

const NOTHING: HistoryResult = {
  days: 0,
  calls: 0,
  periods: 0,
  consultations: 0,
  assessments: 0,
  referrals: 0,
  followUps: 0,
};

/**
 * Adds the demo's history for the days (Asia/Bishkek) of the last `days` that have none, up to `now` (the
 * default: a year and today), then the records of every answered history call that has none. Only on a demo
 * database (its demo operators exist). One transaction, under the demo seed's advisory lock: two starts at
 * once add it once.
 */
export async function seedDemoHistory(pool: pg.Pool, opts: HistoryOptions = {}): Promise<HistoryResult> {
  const now = (opts.now ?? new Date()).getTime();
  const today = Math.floor((now + OFFSET) / DAY) * DAY - OFFSET;
  const from = today - (opts.days ?? 365) * DAY;
  const people = await createDemoHistoryRepository(pool).demoOperators(Object.keys(SHIFTS));
  const byName = new Map(people.map((p) => [p.username, p]));
  if (byName.size < Object.keys(SHIFTS).length) return NOTHING;

  return inTransaction(pool, async (client) => {
    const repo = createDemoHistoryRepository(client);
    await repo.lockHistory();
    const done = new Set(await repo.historyDays(new Date(from)));
    const missing = (t: number) => !done.has(dayKey(t));
    // Every day there already (the usual later start): no simulation to run.
    const days = Array.from({ length: Math.ceil((now - from) / DAY) }, (_, i) => dayKey(from + i * DAY));
    const sim = days.every((d) => done.has(d)) ? { calls: [], periods: [] } : simulateHistory(from, now);
    const calls = sim.calls.filter((c) => missing(c.offeredAt));
    const periods = sim.periods.filter((p) => missing(p.from));
    const ctx = await recordsContext(client, byName, now, opts);
    // Call ids are made here (name-based, like every id of the history), so the records can be generated while
    // PostgreSQL inserts the calls.
    const idOf = (externalId: string) => uuidOf(`call:${externalId}`);
    const date = (t: number | null) => (t === null ? null : new Date(t));
    const insertingCalls = repo.insertCalls(
      calls.map((c) => ({
        id: idOf(c.externalId),
        externalId: c.externalId,
        state: c.state,
        offeredAt: new Date(c.offeredAt),
        answeredAt: date(c.answeredAt),
        endedAt: date(c.endedAt),
        shortAbandoned: c.shortAbandoned,
        extension: c.operator ? (byName.get(c.operator)?.extension ?? null) : null,
        operatorId: c.operator ? (byName.get(c.operator)?.id ?? null) : null,
      })),
    );
    // Meanwhile: the records behind the calls answered and ended (a lost call has none).
    const answered = calls.flatMap((c) =>
      c.state === 'ended' && c.operator && c.answeredAt !== null && c.endedAt !== null
        ? [
            {
              id: idOf(c.externalId),
              externalId: c.externalId,
              operatorId: byName.get(c.operator)?.id as string,
              answeredAt: c.answeredAt,
              endedAt: c.endedAt,
            },
          ]
        : [],
    );
    const fresh = ctx ? generateRecords(answered, ctx) : null;
    await insertingCalls;
    await repo.insertOperatorPeriods(
      periods.map((p) => ({
        userId: byName.get(p.operator)?.id as string,
        status: p.status,
        callId: p.callId ? idOf(p.callId) : null,
        startedAt: new Date(p.from),
        endedAt: new Date(p.to),
      })),
    );
    if (ctx && fresh) await insertRecords(client, fresh, ctx.insert);
    // Answered history calls still without records: those of a database seeded with calls only, by an earlier
    // version (four weeks of them). Nothing, usually.
    const older = ctx ? await recordsOfOlderCalls(client, from, ctx) : null;
    const counted = [fresh, older].filter((r): r is HistoryRecords => r !== null);
    const sum = (f: (r: HistoryRecords) => unknown[]) => counted.reduce((n, r) => n + f(r).length, 0);
    return {
      days: new Set(calls.map((c) => dayKey(c.offeredAt))).size,
      calls: calls.length,
      periods: periods.length,
      consultations: sum((r) => r.consultations),
      assessments: sum((r) => r.assessments),
      referrals: sum((r) => r.referrals),
      followUps: sum((r) => r.followUps),
    };
  });
}

type Context = RecordsContext & {
  insert: { taxonomyVersion: string; methodology: Methodology; key?: SealKey };
};

/** What the records are made with: the reference data, the partners, the people. Null without reference data. */
async function recordsContext(
  client: Queryable,
  byName: Map<string, { id: string }>,
  now: number,
  opts: HistoryOptions,
): Promise<Context | null> {
  const repo = createDemoHistoryRepository(client);
  const tax = await repo.taxonomyDocument(HISTORY_TAXONOMY);
  const meth = await repo.methodologyDocument(...HISTORY_METHODOLOGY);
  // Reference data every installation has (packages/db reference-data.ts); without it, no records.
  if (tax === undefined || meth === undefined) return null;
  const taxonomy = Taxonomy.parse(tax);
  const methodology = Methodology.parse(meth);
  const partners = await repo.activePartners();
  const settings = await repo.escalationMinutes();
  const operators = Object.keys(SHIFTS);
  const idOf = (name: string) => byName.get(name)?.id as string;
  return {
    taxonomy,
    methodology,
    partners,
    escalationMinutes: Object.fromEntries(settings.map((r) => [r.type, r.escalationMinutes])),
    onShiftAt: (t: number, rnd: Rng) => {
      const on = operators.filter((op) => onShift(op, t));
      const list = on.length > 0 ? on : operators;
      return idOf(list[Math.floor(rnd() * list.length)] ?? (operators[0] as string));
    },
    orderCheckinDays: opts.orderCheckinDays ?? 5,
    now,
    insert: { taxonomyVersion: taxonomy.version, methodology, key: opts.key },
  };
}

/** The records of the answered history calls since `from` that have none (in the caller's transaction). */
async function recordsOfOlderCalls(client: Queryable, from: number, ctx: Context): Promise<HistoryRecords> {
  const rows = await createDemoHistoryRepository(client).answeredCallsWithoutRecords(new Date(from));
  const records = generateRecords(
    rows.map((c) => ({ ...c, answeredAt: c.answeredAt.getTime(), endedAt: c.endedAt.getTime() })),
    ctx,
  );
  if (rows.length > 0) await insertRecords(client, records, ctx.insert);
  return records;
}
