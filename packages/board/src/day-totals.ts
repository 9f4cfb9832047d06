import type { BoardMetrics } from '@korgon/domain';
import { ANSWERED, serviceLevelOf } from './counting';
import type { BoardQueryable } from './metrics';
import { bishkekDate, bishkekMidnight, type TimeWindow } from './windows';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * A day is cached two hours after it ends (Asia/Bishkek). The trigger calls_day_touch (migration 0017) bumps
 * the version of a day that ended over an hour ago whenever one of its calls is written, so a write that began
 * before a day was cached still invalidates what is cached. The line is drawn by the real time, not a test's
 * moved clock: it is about when the database writes, which a moved clock does not change.
 */
export const DAY_SETTLED_MS = 2 * HOUR;

/** Counts and sums (not means), so that days and partial ranges add up. */
interface Sums {
  offered: number;
  answered: number;
  abandoned: number;
  short_abandoned: number;
  lost: number;
  within: number;
  asa_sum: number;
  aht_sum: number;
  aht_count: number;
}

const SUMS = `
  count(c.offered_at)::int AS offered,
  count(*) FILTER (WHERE ${ANSWERED})::int AS answered,
  count(*) FILTER (WHERE c.state = 'abandoned')::int AS abandoned,
  count(*) FILTER (WHERE c.state = 'abandoned' AND c.short_abandoned)::int AS short_abandoned,
  count(*) FILTER (WHERE c.state = 'lost')::int AS lost,
  count(*) FILTER (WHERE ${ANSWERED} AND c.answered_at - c.offered_at <= make_interval(secs => $THRESHOLD::int))::int AS within,
  coalesce(sum(date_part('epoch', c.answered_at - c.offered_at)) FILTER (WHERE ${ANSWERED}), 0)::float8 AS asa_sum,
  coalesce(sum(date_part('epoch', c.ended_at - c.answered_at))
             FILTER (WHERE ${ANSWERED} AND c.ended_at IS NOT NULL), 0)::float8 AS aht_sum,
  count(*) FILTER (WHERE ${ANSWERED} AND c.ended_at IS NOT NULL)::int AS aht_count`;

/** The sums over the calls offered in a few ranges (the window's edges around its cached days). */
const RANGE_SUMS_SQL = `
  SELECT ${SUMS.replaceAll('$THRESHOLD', '$3')}
    FROM unnest($1::timestamptz[], $2::timestamptz[]) AS w(f, t)
    JOIN calls c ON c.offered_at >= w.f AND c.offered_at < w.t`;

/** Cached days still valid: their version is the day's current one. */
const CACHED_SQL = `
  SELECT t.day::text AS day, t.offered, t.answered, t.abandoned, t.short_abandoned, t.lost, t.within,
         t.asa_sum, t.aht_sum, t.aht_count
    FROM call_day_totals t LEFT JOIN call_day_versions v ON v.day = t.day
   WHERE t.threshold_seconds = $3 AND t.day >= $1::date AND t.day <= $2::date
     AND t.version = coalesce(v.version, 0)`;

/**
 * Computes the days given and stores them, in one statement: the day's version is read in the same snapshot
 * as its calls, so a write committed after it has a newer version and makes the row stale, never wrong. A
 * slower reader never replaces a newer row with an older one.
 */
const FILL_SQL = `
  WITH days AS (SELECT d::date AS day FROM unnest($1::date[]) AS d),
  agg AS (
    SELECT (c.offered_at AT TIME ZONE 'Asia/Bishkek')::date AS day, ${SUMS.replaceAll('$THRESHOLD', '$4')}
      FROM calls c
     WHERE c.offered_at >= $2 AND c.offered_at < $3
       AND (c.offered_at AT TIME ZONE 'Asia/Bishkek')::date = ANY ($1::date[])
     GROUP BY 1
  )
  INSERT INTO call_day_totals AS t (day, threshold_seconds, version, offered, answered, abandoned, short_abandoned,
                                    lost, within, asa_sum, aht_sum, aht_count)
  SELECT d.day, $4, coalesce(v.version, 0), coalesce(a.offered, 0), coalesce(a.answered, 0),
         coalesce(a.abandoned, 0), coalesce(a.short_abandoned, 0), coalesce(a.lost, 0), coalesce(a.within, 0),
         coalesce(a.asa_sum, 0), coalesce(a.aht_sum, 0), coalesce(a.aht_count, 0)
    FROM days d LEFT JOIN agg a ON a.day = d.day LEFT JOIN call_day_versions v ON v.day = d.day
  ON CONFLICT (day, threshold_seconds) DO UPDATE
     SET version = EXCLUDED.version, offered = EXCLUDED.offered, answered = EXCLUDED.answered,
         abandoned = EXCLUDED.abandoned, short_abandoned = EXCLUDED.short_abandoned, lost = EXCLUDED.lost,
         within = EXCLUDED.within, asa_sum = EXCLUDED.asa_sum, aht_sum = EXCLUDED.aht_sum,
         aht_count = EXCLUDED.aht_count, computed_at = now()
   WHERE t.version <= EXCLUDED.version
  RETURNING t.day::text AS day, t.offered, t.answered, t.abandoned, t.short_abandoned, t.lost, t.within,
            t.asa_sum, t.aht_sum, t.aht_count`;

/** The settled whole Bishkek days inside the window: [first, end) in steps of a day; null when there are none. */
export function settledDays(window: TimeWindow, now: Date): { first: Date; end: Date } | null {
  const startOfFrom = bishkekMidnight(window.from).getTime();
  const first = startOfFrom === window.from.getTime() ? startOfFrom : startOfFrom + DAY;
  const end = Math.min(
    bishkekMidnight(window.to).getTime(),
    bishkekMidnight(new Date(now.getTime() - DAY_SETTLED_MS)).getTime(),
  );
  return end - first >= DAY ? { first: new Date(first), end: new Date(end) } : null;
}

const add = (a: Sums, b: Sums): Sums => ({
  offered: a.offered + b.offered,
  answered: a.answered + b.answered,
  abandoned: a.abandoned + b.abandoned,
  short_abandoned: a.short_abandoned + b.short_abandoned,
  lost: a.lost + b.lost,
  within: a.within + b.within,
  asa_sum: a.asa_sum + b.asa_sum,
  aht_sum: a.aht_sum + b.aht_sum,
  aht_count: a.aht_count + b.aht_count,
});

/**
 * `GET /api/board/metrics` over a window holding whole settled days: those days from call_day_totals (computed
 * and stored the first time they are asked for, again after a late write to one of their calls), the edges
 * of the window from the calls themselves. The same figures as counting every call (tests/integration
 * board-metrics-cache.test.ts), at the cost of ~30 rows for a month instead of ~300,000 calls
 * (`pnpm bench board-metrics-month`).
 */
export async function cachedMetrics(
  q: BoardQueryable,
  window: TimeWindow,
  days: { first: Date; end: Date },
  thresholdSeconds: number,
): Promise<BoardMetrics> {
  const wanted: string[] = [];
  for (let t = days.first.getTime(); t < days.end.getTime(); t += DAY) wanted.push(bishkekDate(new Date(t)));
  const lastDay = wanted[wanted.length - 1] as string;
  const cached = await q.query<Sums & { day: string }>(CACHED_SQL, [wanted[0], lastDay, thresholdSeconds]);
  const have = new Set(cached.rows.map((r) => r.day));
  const missing = wanted.filter((d) => !have.has(d));
  const filled = missing.length
    ? (await q.query<Sums & { day: string }>(FILL_SQL, [missing, days.first, days.end, thresholdSeconds]))
        .rows
    : [];
  // A concurrent reader that stored a newer version of a day left this one's INSERT without a row: that
  // day is then counted from its calls with the edges.
  const got = new Set([...have, ...filled.map((r) => r.day)]);
  const uncounted = missing.filter((d) => !got.has(d));
  const ranges: TimeWindow[] = [];
  if (window.from < days.first) ranges.push({ from: window.from, to: days.first });
  if (days.end < window.to) ranges.push({ from: days.end, to: window.to });
  for (const d of uncounted) {
    const from = new Date(`${d}T00:00:00+06:00`);
    ranges.push({ from, to: new Date(from.getTime() + DAY) });
  }
  const zero: Sums = {
    offered: 0,
    answered: 0,
    abandoned: 0,
    short_abandoned: 0,
    lost: 0,
    within: 0,
    asa_sum: 0,
    aht_sum: 0,
    aht_count: 0,
  };
  const edges = ranges.length
    ? ((
        await q.query<Sums>(RANGE_SUMS_SQL, [
          ranges.map((r) => r.from),
          ranges.map((r) => r.to),
          thresholdSeconds,
        ])
      ).rows[0] ?? zero)
    : zero;
  const total = [...cached.rows, ...filled].reduce(add, edges);
  const counts = {
    offered: total.offered,
    answered: total.answered,
    abandoned: total.abandoned,
    shortAbandoned: total.short_abandoned,
    lost: total.lost,
    answeredWithinThreshold: total.within,
  };
  return {
    ...counts,
    thresholdSeconds,
    serviceLevel: serviceLevelOf(counts),
    asaSeconds: total.answered > 0 ? total.asa_sum / total.answered : null,
    ahtSeconds: total.aht_count > 0 ? total.aht_sum / total.aht_count : null,
  };
}
