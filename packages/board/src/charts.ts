import type { BoardChartHour, BoardCharts, Clock } from '@korgon/domain';
import type { BoardSettings } from './figures';
import { type BoardQueryable, metricsOver } from './metrics';
import { bishkekDate, dayWindow, shiftWindow, type TimeWindow } from './windows';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Weeks of history the typical day is the mean of. */
export const TYPICAL_WEEKS = 4;
/** The operators-online chart's step. */
export const ONLINE_STEP_MINUTES = 15;

/**
 * Operators (role operator) in any state but offline at each instant, from the operator states log. Only the
 * periods that overlap the shift are read: those that ended after it began (by ended_at) and those still open.
 */
const ONLINE_SQL = `
  WITH l AS (
    SELECT user_id, status, started_at, ended_at FROM operator_state_log
     WHERE ended_at > $2 AND started_at < $3
    UNION ALL
    SELECT user_id, status, started_at, ended_at FROM operator_state_log
     WHERE ended_at IS NULL AND started_at < $3
  )
  SELECT p.at, count(DISTINCT l.user_id)::int AS online
    FROM unnest($1::timestamptz[]) AS p(at)
    LEFT JOIN (l JOIN users u ON u.id = l.user_id AND u.role = 'operator')
      ON l.status <> 'offline' AND l.started_at <= p.at AND (l.ended_at IS NULL OR l.ended_at > p.at)
   GROUP BY p.at ORDER BY p.at`;

const hoursOf = (day: TimeWindow): TimeWindow[] =>
  Array.from({ length: 24 }, (_, h) => ({
    from: new Date(day.from.getTime() + h * HOUR),
    to: new Date(day.from.getTime() + (h + 1) * HOUR),
  }));

/**
 * The board's charts (docs/board.md): today's calls per hour against the mean of the same hour on the same
 * weekday over the last four weeks, today's service level per hour, and operators online across the shift.
 */
export async function computeCharts(
  q: BoardQueryable,
  clock: Clock,
  settings: BoardSettings,
): Promise<BoardCharts> {
  const now = clock.now();
  const today = dayWindow(now);
  const earlierDays = Array.from({ length: TYPICAL_WEEKS }, (_, k) => ({
    from: new Date(today.from.getTime() - (k + 1) * 7 * DAY),
    to: new Date(today.to.getTime() - (k + 1) * 7 * DAY),
  }));
  const shift = shiftWindow(now, settings.shifts);
  const points: Date[] = [];
  for (
    let t = shift.from.getTime();
    t < Math.min(now.getTime(), shift.to.getTime());
    t += ONLINE_STEP_MINUTES * MINUTE
  )
    points.push(new Date(t));
  points.push(now);

  const [metrics, online] = await Promise.all([
    metricsOver(q, [today, ...earlierDays].flatMap(hoursOf), settings.thresholdSeconds),
    q.query<{ at: Date; online: number }>(ONLINE_SQL, [points, shift.from, shift.to]),
  ]);
  const hours: BoardChartHour[] = hoursOf(today).map((w, h) => {
    const m = metrics[h];
    const begun = w.from.getTime() <= now.getTime();
    const earlier = earlierDays.map((_, k) => metrics[(k + 1) * 24 + h]?.offered ?? 0);
    return {
      hour: h,
      from: w.from.toISOString(),
      offered: begun ? (m?.offered ?? 0) : null,
      typicalOffered: earlier.reduce((a, b) => a + b, 0) / TYPICAL_WEEKS,
      serviceLevel: begun ? (m?.serviceLevel ?? null) : null,
    };
  });
  return {
    at: now.toISOString(),
    date: bishkekDate(now),
    comparedWith: earlierDays.map((d) => bishkekDate(d.from)),
    thresholdSeconds: settings.thresholdSeconds,
    hours,
    operatorsOnline: {
      from: shift.from.toISOString(),
      to: shift.to.toISOString(),
      stepMinutes: ONLINE_STEP_MINUTES,
      points: online.rows.map((r) => ({ at: r.at.toISOString(), online: r.online })),
    },
  };
}
