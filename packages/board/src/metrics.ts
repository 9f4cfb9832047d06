import type { Queryable } from '@korgon/db';
import type { BoardMetrics } from '@korgon/domain';
import { ANSWERED, serviceLevelOf } from './counting';
import { cachedMetrics, settledDays } from './day-totals';

export { serviceLevelOf };

import type { TimeWindow } from './windows';

export type BoardQueryable = Queryable;

export interface WindowMetrics extends BoardMetrics {
  /** Mean seconds of the wrap-ups that began in the window and have ended; null when none did. */
  wrapUpSeconds: number | null;
  /**
   * The answered calls that have ended: the calls `ahtSeconds` is the mean of (fewer than answered while some
   * are still on the line). The statistics publish AHT only over at least k of them.
   */
  handled: number;
}

interface Row {
  i: string;
  offered: number;
  answered: number;
  abandoned: number;
  short_abandoned: number;
  lost: number;
  within: number;
  handled: number;
  asa: number | null;
  aht: number | null;
  wrap_up: number | null;
}

/**
 * The service figures of each window, over the calls **offered** in it (docs/board.md, "Figures"): one
 * statement for any number of windows, each counted with one range scan of calls_offered_idx (whose columns
 * are all the aggregate reads), plus the mean wrap-up of the operator states log.
 */
const METRICS_SQL = `
  WITH w AS (
    SELECT * FROM unnest($1::timestamptz[], $2::timestamptz[]) WITH ORDINALITY AS w(f, t, i)
  ), m AS (
    SELECT w.i,
           count(c.offered_at)::int AS offered,
           count(*) FILTER (WHERE ${ANSWERED})::int AS answered,
           count(*) FILTER (WHERE c.state = 'abandoned')::int AS abandoned,
           count(*) FILTER (WHERE c.state = 'abandoned' AND c.short_abandoned)::int AS short_abandoned,
           count(*) FILTER (WHERE c.state = 'lost')::int AS lost,
           count(*) FILTER (WHERE ${ANSWERED}
                              AND c.answered_at - c.offered_at <= make_interval(secs => $3::int))::int AS within,
           count(*) FILTER (WHERE ${ANSWERED} AND c.ended_at IS NOT NULL)::int AS handled,
           (avg(date_part('epoch', c.answered_at - c.offered_at)) FILTER (WHERE ${ANSWERED}))::float8 AS asa,
           (avg(date_part('epoch', c.ended_at - c.answered_at))
              FILTER (WHERE ${ANSWERED} AND c.ended_at IS NOT NULL))::float8 AS aht
      FROM w LEFT JOIN calls c ON c.offered_at >= w.f AND c.offered_at < w.t
     GROUP BY w.i
  ), u AS (
    SELECT w.i, (avg(date_part('epoch', l.ended_at - l.started_at)))::float8 AS wrap_up
      FROM w LEFT JOIN operator_state_log l
        ON $4::boolean AND l.status = 'wrap_up' AND l.started_at >= w.f AND l.started_at < w.t
       AND l.ended_at IS NOT NULL
     GROUP BY w.i
  )
  SELECT m.*, u.wrap_up FROM m JOIN u USING (i) ORDER BY m.i`;

/** The metrics of each window, in the order given. */
export async function metricsOver(
  q: BoardQueryable,
  windows: readonly TimeWindow[],
  thresholdSeconds: number,
  opts: { wrapUp?: boolean } = {},
): Promise<WindowMetrics[]> {
  if (windows.length === 0) return [];
  const { rows } = await q.query<Row>(METRICS_SQL, [
    windows.map((w) => w.from),
    windows.map((w) => w.to),
    thresholdSeconds,
    opts.wrapUp ?? false,
  ]);
  return rows.map((r) => {
    const counts = {
      offered: r.offered,
      answered: r.answered,
      abandoned: r.abandoned,
      shortAbandoned: r.short_abandoned,
      lost: r.lost,
      answeredWithinThreshold: r.within,
    };
    return {
      ...counts,
      thresholdSeconds,
      serviceLevel: serviceLevelOf(counts),
      asaSeconds: r.asa,
      ahtSeconds: r.aht,
      wrapUpSeconds: r.wrap_up,
      handled: r.handled,
    };
  });
}

/**
 * `GET /api/board/metrics`: the figures of one window. Whole days that ended over two hours ago come from
 * their stored totals (day-totals.ts); a window without one is counted from its calls.
 */
export async function boardMetrics(
  q: BoardQueryable,
  window: TimeWindow,
  thresholdSeconds: number,
  now: Date = new Date(),
): Promise<BoardMetrics> {
  const days = settledDays(window, now);
  if (days) return cachedMetrics(q, window, days, thresholdSeconds);
  const [m] = await metricsOver(q, [window], thresholdSeconds);
  if (!m) throw new Error('the metrics query answered no row');
  const { wrapUpSeconds: _w, handled: _h, ...metrics } = m;
  return metrics;
}
