import { BISHKEK_OFFSET_MINUTES, REFERRAL_STATISTICS_BY } from '@korgon/domain';

/**
 * What the statistics screen shows, kept in the location's fragment after `#/statistics?` so a link can be
 * shared: the tab, the period (a kind and a day inside it, or from–to) and the table's dimensions.
 * Periods are Bishkek calendar days (UTC+6 all year), as the server counts them.
 */

export const TABS = ['tables', 'queue', 'referrals', 'follow-ups'] as const;
export type Tab = (typeof TABS)[number];

export const PERIOD_KINDS = ['day', 'week', 'month', 'quarter', 'year', 'custom'] as const;
export type PeriodKind = (typeof PERIOD_KINDS)[number];

export const QUEUE_BY = ['day', 'week', 'month'] as const;
export type QueueBy = (typeof QUEUE_BY)[number];
export type ReferralsBy = (typeof REFERRAL_STATISTICS_BY)[number];

export interface StatisticsState {
  tab: Tab;
  period: PeriodKind;
  /** A day inside the period (day … year); for `custom`, the period is from–to. */
  at: string;
  from: string;
  to: string;
  rows: string;
  /** '' for none: one "all" column. */
  cols: string;
  queueBy: QueueBy;
  referralsBy: ReferralsBy;
}

const DAY_MS = 86_400_000;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Today in Bishkek, YYYY-MM-DD. */
export function bishkekToday(now = Date.now()): string {
  return new Date(now + BISHKEK_OFFSET_MINUTES * 60_000).toISOString().slice(0, 10);
}

const parseDay = (day: string) => new Date(`${day}T00:00:00Z`);
const formatDay = (d: Date) => d.toISOString().slice(0, 10);
const isDay = (s: string | null): s is string =>
  s !== null && DAY.test(s) && !Number.isNaN(parseDay(s).getTime());

export function addDays(day: string, n: number): string {
  return formatDay(new Date(parseDay(day).getTime() + n * DAY_MS));
}

/** The first and last day of the period of a kind that holds `at` (weeks begin on Monday). */
export function periodOf(kind: Exclude<PeriodKind, 'custom'>, at: string): { from: string; to: string } {
  const d = parseDay(at);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  switch (kind) {
    case 'day':
      return { from: at, to: at };
    case 'week': {
      const back = (d.getUTCDay() + 6) % 7;
      const from = addDays(at, -back);
      return { from, to: addDays(from, 6) };
    }
    case 'month':
      return { from: formatDay(new Date(Date.UTC(y, m, 1))), to: formatDay(new Date(Date.UTC(y, m + 1, 0))) };
    case 'quarter': {
      const q = Math.floor(m / 3) * 3;
      return { from: formatDay(new Date(Date.UTC(y, q, 1))), to: formatDay(new Date(Date.UTC(y, q + 3, 0))) };
    }
    case 'year':
      return { from: `${y}-01-01`, to: `${y}-12-31` };
  }
}

/** A day in the period before (−1) or after (+1) the one holding `at`. */
export function stepPeriod(kind: Exclude<PeriodKind, 'custom'>, at: string, step: -1 | 1): string {
  const { from, to } = periodOf(kind, at);
  return step < 0 ? addDays(from, -1) : addDays(to, 1);
}

/** The days the state's period covers. */
export function rangeOf(state: StatisticsState): { from: string; to: string } {
  return state.period === 'custom' ? { from: state.from, to: state.to } : periodOf(state.period, state.at);
}

function oneOf<T extends string>(values: readonly T[], v: string | null, fallback: T): T {
  return values.find((x) => x === v) ?? fallback;
}

const KEY = /^[a-zA-Z0-9_.-]{1,64}$/;

export function defaultState(today = bishkekToday()): StatisticsState {
  const month = periodOf('month', today);
  return {
    tab: 'tables',
    period: 'month',
    at: today,
    from: month.from,
    to: today,
    rows: '',
    cols: '',
    queueBy: 'day',
    referralsBy: 'partner_type',
  };
}

/** The state written in a fragment like `#/statistics?tab=tables&period=month&at=2026-11-15&rows=region`. */
export function parseState(hash: string, today = bishkekToday()): StatisticsState {
  const base = defaultState(today);
  const query = hash.includes('?') ? hash.slice(hash.indexOf('?') + 1) : '';
  const p = new URLSearchParams(query);
  const key = (name: string) => {
    const v = p.get(name);
    return v !== null && KEY.test(v) ? v : '';
  };
  const at = p.get('at');
  const from = p.get('from');
  const to = p.get('to');
  return {
    tab: oneOf(TABS, p.get('tab'), base.tab),
    period: oneOf(PERIOD_KINDS, p.get('period'), base.period),
    at: isDay(at) ? at : base.at,
    from: isDay(from) ? from : base.from,
    to: isDay(to) ? to : base.to,
    rows: key('rows'),
    cols: key('cols'),
    queueBy: oneOf(QUEUE_BY, p.get('by'), base.queueBy),
    referralsBy: oneOf(REFERRAL_STATISTICS_BY, p.get('rby'), base.referralsBy),
  };
}

export function hashOf(s: StatisticsState): string {
  const p = new URLSearchParams();
  p.set('tab', s.tab);
  p.set('period', s.period);
  if (s.period === 'custom') {
    p.set('from', s.from);
    p.set('to', s.to);
  } else {
    p.set('at', s.at);
  }
  if (s.rows) p.set('rows', s.rows);
  if (s.cols) p.set('cols', s.cols);
  if (s.tab === 'queue') p.set('by', s.queueBy);
  if (s.tab === 'referrals') p.set('rby', s.referralsBy);
  return `#/statistics?${p.toString()}`;
}
