import { metricsOver, type TimeWindow, type WindowMetrics } from '@korgon/board';
import {
  ADMIN_REGION_IDS,
  type Cell,
  type FollowUpStatistics,
  NOT_RECORDED,
  NOT_RECORDED_LABEL,
  overdueAtOf,
  PARTNER_TYPE_LABELS,
  PARTNER_TYPES,
  type QueueStatistics,
  REGIONS,
  type ReferralStatistics,
  safeWindowOf,
} from '@korgon/domain';
import type { Queryable, StatisticsValue } from './dimensions';
import { isSmallCount, primaryCell, protectTable, publishOverRecords, sharePublished } from './disclosure';
import { periodBounds } from './tables';

/**
 * The queue, referral and follow-up figures of docs/statistics.md, each through disclosure control: a count of
 * 1..k−1 is suppressed, a mean or percentile is shown only over at least k records. None of them is a sum of
 * other published counts, so complementary suppression does not apply (see the notes at each).
 */

const DAY = 24 * 3_600_000;
const dayAfter = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) + DAY).toISOString().slice(0, 10);

/** The periods (day, ISO week from Monday, calendar month) covering [from, to], clipped to it. */
export function periodsOf(
  from: string,
  to: string,
  by: 'day' | 'week' | 'month',
): { from: string; to: string }[] {
  const out: { from: string; to: string }[] = [];
  let start = from;
  while (start <= to) {
    let next: string;
    if (by === 'day') next = dayAfter(start);
    else if (by === 'week') {
      const dow = (new Date(`${start}T00:00:00Z`).getUTCDay() + 6) % 7; // 0 = Monday
      next = new Date(Date.parse(`${start}T00:00:00Z`) + (7 - dow) * DAY).toISOString().slice(0, 10);
    } else {
      const [y, m] = start.split('-').map(Number) as [number, number];
      next = m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
    }
    const last = new Date(Date.parse(`${next}T00:00:00Z`) - DAY).toISOString().slice(0, 10);
    out.push({ from: start, to: last < to ? last : to });
    start = next;
  }
  return out;
}

/** `GET /api/statistics/queue`: the board's service figures (metricsOver), one window per period. */
export async function queueStatistics(
  q: Queryable,
  o: { from: string; to: string; by: 'day' | 'week' | 'month'; thresholdSeconds: number; k: number },
): Promise<QueueStatistics> {
  const periods = periodsOf(o.from, o.to, o.by);
  const windows: TimeWindow[] = periods.map((p) => {
    const { start, end } = periodBounds(p.from, p.to);
    return { from: start, to: end };
  });
  const metrics = await metricsOver(q, windows, o.thresholdSeconds);
  if (metrics.length !== periods.length) throw new Error('the metrics query answered too few rows');
  return publishQueue(periods, metrics, o);
}

/** What publishQueue reads of the board's figures of a window (WindowMetrics). */
export type QueueCounts = Pick<
  WindowMetrics,
  | 'offered'
  | 'answered'
  | 'abandoned'
  | 'shortAbandoned'
  | 'lost'
  | 'answeredWithinThreshold'
  | 'serviceLevel'
  | 'asaSeconds'
  | 'ahtSeconds'
  | 'handled'
>;

/**
 * The queue figures of each period through disclosure control (pure: the counts of queueStatistics' one
 * statement in, the published figures out).
 */
export function publishQueue(
  periods: readonly { from: string; to: string }[],
  metrics: readonly QueueCounts[],
  o: { by: 'day' | 'week' | 'month'; thresholdSeconds: number; k: number },
): QueueStatistics {
  const k = o.k;
  // offered = answered + abandoned + lost + the rest (transferred unanswered, still waiting): a sum, so the
  // counts go through protectTable as a table of periods × outcomes, the offered calls its row totals, and no
  // suppressed count can be worked back by subtraction. Short-abandoned is a part of abandoned in no published
  // sum: the small-cell rule alone.
  const outcomes = metrics.map((m) => {
    const rest = m.offered - m.answered - m.abandoned - m.lost;
    return [m.answered, m.abandoned, m.lost, Math.max(0, rest)];
  });
  const offered = outcomes.map((row) => row.reduce((a, b) => a + b, 0));
  const colTotals = [0, 1, 2, 3].map((j) => outcomes.reduce((sum, row) => sum + (row[j] as number), 0));
  const table = protectTable(
    {
      cells: outcomes,
      rowTotals: offered,
      colTotals,
      total: offered.reduce((a, b) => a + b, 0),
      rowsMultiValued: false,
      colsMultiValued: false,
    },
    k,
  );
  return {
    k: table.k,
    by: o.by,
    thresholdSeconds: o.thresholdSeconds,
    periods: periods.map((p, i) => {
      const m = metrics[i] as QueueCounts;
      const row = table.cells[i] as Cell[];
      const base = m.answered + m.abandoned - m.shortAbandoned;
      // The service level is within ÷ base, and base is answered + abandoned − short-abandoned, which are
      // published: a share gives its count back (within = share × base), and so base − within, the calls not
      // answered in time. Both must be publishable counts, not only the base.
      const within = m.answeredWithinThreshold;
      const overBase = publishOverRecords(m.serviceLevel, base, k);
      const serviceLevel: Cell =
        overBase.value !== null && (isSmallCount(within, k) || isSmallCount(base - within, k))
          ? { value: null, suppressed: true }
          : overBase;
      return {
        ...p,
        offered: table.rowTotals[i] as Cell,
        answered: row[0] as Cell,
        abandoned: row[1] as Cell,
        shortAbandoned: primaryCell(m.shortAbandoned, k),
        lost: row[2] as Cell,
        serviceLevel,
        asaSeconds: publishOverRecords(m.asaSeconds, m.answered, k),
        // AHT is the mean over the answered calls that have ended (`handled`), fewer than answered while calls
        // are on the line: it is published only over at least k of those, the calls it is the mean of.
        ahtSeconds: publishOverRecords(m.ahtSeconds, m.handled, k),
      };
    }),
  };
}

/**
 * Referrals counted: made (not a draft) on a Bishkek day of the period, from a finalized consultation whose
 * caller did not refuse statistical use.
 */
const REFERRALS_COUNTED = `r.status <> 'draft' AND r.created_at >= $1 AND r.created_at < $2
  AND k.status = 'final' AND (k.data -> 'consent' ->> 'statistics') IS DISTINCT FROM 'no'`;

const GROUP_KEY = {
  partner_type: 'p.type::text',
  // The organisation's slug, never its id (ids are not published).
  organisation: 'p.slug',
  // A partner working in several regions counts under each; a national one (no region) under "not recorded".
  region: `unnest(CASE WHEN cardinality(p.regions) > 0 THEN p.regions ELSE ARRAY['${NOT_RECORDED}'] END)`,
} as const;

interface ReferralRow {
  key: string;
  sent: number;
  acknowledged: number;
  median: number | null;
  p90: number | null;
  accepted: number;
  rejected: number;
  done: number;
  escalations: number;
  failures: number;
}

/**
 * `GET /api/statistics/referrals`. Time to acknowledgement runs from the referral's creation; its median and
 * 90th percentile are shown only over at least k acknowledged referrals. Accepted counts those accepted and
 * since done; a share is hidden when its count or `sent` is suppressed.
 */
export async function referralStatistics(
  q: Queryable,
  o: { from: string; to: string; by: keyof typeof GROUP_KEY; k: number },
): Promise<ReferralStatistics> {
  const { start, end } = periodBounds(o.from, o.to);
  const ackMinutes = `date_part('epoch', r.acknowledged_at - r.created_at) / 60`;
  const { rows } = await q.query<ReferralRow>(
    `SELECT g.key,
            count(*)::int AS sent,
            count(*) FILTER (WHERE g.acknowledged_at IS NOT NULL)::int AS acknowledged,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY g.ack) FILTER (WHERE g.ack IS NOT NULL) AS median,
            percentile_cont(0.9) WITHIN GROUP (ORDER BY g.ack) FILTER (WHERE g.ack IS NOT NULL) AS p90,
            count(*) FILTER (WHERE g.status IN ('accepted', 'done'))::int AS accepted,
            count(*) FILTER (WHERE g.status = 'rejected')::int AS rejected,
            count(*) FILTER (WHERE g.status = 'done')::int AS done,
            count(*) FILTER (WHERE g.escalated_at IS NOT NULL)::int AS escalations,
            count(*) FILTER (WHERE g.status = 'failed')::int AS failures
       FROM (SELECT ${GROUP_KEY[o.by]} AS key, r.status, r.acknowledged_at, r.escalated_at,
                    CASE WHEN r.acknowledged_at IS NOT NULL THEN ${ackMinutes} END AS ack
               FROM referrals r
               JOIN consultations k ON k.id = r.consultation_id
               JOIN partner_orgs p ON p.id = r.partner_org_id
              WHERE ${REFERRALS_COUNTED}) g
      GROUP BY g.key`,
    [start, end],
  );
  const byKey = new Map(rows.map((r) => [r.key, r]));
  let groups: StatisticsValue[];
  if (o.by === 'partner_type') groups = PARTNER_TYPES.map((t) => ({ key: t, label: PARTNER_TYPE_LABELS[t] }));
  else if (o.by === 'region')
    groups = [
      ...REGIONS.filter((r) => ADMIN_REGION_IDS.includes(r.id)).map((r) => ({ key: r.id, label: r.label })),
      { key: NOT_RECORDED, label: NOT_RECORDED_LABEL },
    ];
  else {
    const orgs = await q.query<{ slug: string; name: StatisticsValue['label'] }>(
      'SELECT slug, name FROM partner_orgs ORDER BY slug',
    );
    groups = orgs.rows.map((r) => ({ key: r.slug, label: r.name }));
  }
  const k = o.k;
  return {
    k,
    by: o.by,
    groups: groups.map((g) => {
      const r = byKey.get(g.key);
      const sent = primaryCell(r?.sent ?? 0, k);
      const accepted = primaryCell(r?.accepted ?? 0, k);
      const rejected = primaryCell(r?.rejected ?? 0, k);
      const done = primaryCell(r?.done ?? 0, k);
      const acknowledged = r?.acknowledged ?? 0;
      return {
        ...g,
        sent,
        acknowledged: primaryCell(acknowledged, k),
        ackMedianMinutes: publishOverRecords(r?.median ?? null, acknowledged, k),
        ackP90Minutes: publishOverRecords(r?.p90 ?? null, acknowledged, k),
        accepted,
        rejected,
        done,
        acceptedShare: sharePublished(accepted, sent),
        rejectedShare: sharePublished(rejected, sent),
        doneShare: sharePublished(done, sent),
        escalations: primaryCell(r?.escalations ?? 0, k),
        failures: primaryCell(r?.failures ?? 0, k),
      };
    }),
  };
}

/**
 * `GET /api/statistics/follow-ups`: follow-ups due on a Bishkek day of the period (cancelled ones left out) of
 * counted consultations; done on time means closed as done before it became overdue (overdueAtOf: the safe
 * window it was raised in closed, or two hours after raising without one).
 */
export async function followUpStatistics(
  q: Queryable,
  o: { from: string; to: string; k: number },
): Promise<FollowUpStatistics> {
  const { start, end } = periodBounds(o.from, o.to);
  const { rows } = await q.query<{
    state: string;
    raise_at: Date;
    closed_at: Date | null;
    window_from: string | null;
    window_to: string | null;
  }>(
    `SELECT f.state, f.raise_at, f.closed_at, f.window_from, f.window_to
       FROM follow_ups f JOIN consultations k ON k.id = f.consultation_id
      WHERE f.due_at >= $1 AND f.due_at < $2 AND f.state <> 'cancelled'
        AND k.status = 'final' AND (k.data -> 'consent' ->> 'statistics') IS DISTINCT FROM 'no'`,
    [start, end],
  );
  let onTime = 0;
  let missed = 0;
  for (const f of rows) {
    if (f.state === 'missed') missed += 1;
    if (f.state !== 'done' || !f.closed_at) continue;
    const w = safeWindowOf({
      callbackFrom: f.window_from ?? undefined,
      callbackTo: f.window_to ?? undefined,
    });
    if (f.closed_at.getTime() <= overdueAtOf(f.raise_at, w).getTime()) onTime += 1;
  }
  return {
    k: o.k,
    due: primaryCell(rows.length, o.k),
    doneOnTime: primaryCell(onTime, o.k),
    missed: primaryCell(missed, o.k),
  };
}
