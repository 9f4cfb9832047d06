import {
  type BoardFigures,
  type BoardWindow,
  type Clock,
  OPERATOR_STATUSES,
  type OperatorStatus,
  overdueAtOf,
  statusesFrom,
} from '@korgon/domain';
import { type BoardQueryable, metricsOver, type WindowMetrics } from './metrics';
import { boardWindows, type TimeWindow } from './windows';

/** What the figures depend on besides the database (BOARD_SERVICE_LEVEL_SECONDS, BOARD_SHIFTS). */
export interface BoardSettings {
  thresholdSeconds: number;
  /** Shift start times, HH:MM Asia/Bishkek. */
  shifts: readonly string[];
}

/** The configuration's defaults, for a process started without them (tests). */
export const DEFAULT_BOARD_SETTINGS: BoardSettings = { thresholdSeconds: 20, shifts: ['08:00', '20:00'] };

interface LiveRow {
  waiting: number;
  in_progress: number;
  longest_wait_since: Date | null;
  operators: Partial<Record<OperatorStatus, number>>;
  supervisors_online: number;
  open_alerts: number;
  high_risk_open: number;
  urgent_awaiting: number;
  failed_or_escalated: number;
  follow_ups_due: { raiseAt: string; from: string | null; to: string | null }[];
}

/**
 * The live figures and what needs a supervisor, in one statement (docs/board.md, "Figures"):
 * - waiting: calls waiting and taken by nobody; in progress: answered, or taken in a console (as the desk
 *   counts them); the longest wait runs from the earliest offer among the waiting;
 * - operators (role operator, active) by state, with no state row counting as offline; supervisors apart;
 * - open high-risk consultations: the latest assessment's final level is high or critical, and the
 *   consultation began in this shift, or is a draft worked on in it (the board's list, GET /api/board/attention,
 *   reads the same ones);
 * - urgent referrals not yet acknowledged (queued, sent, delivered: an escalated one counts with the failed);
 * - referrals failed or escalated: until retried, redirected (revoked), or acted on by the partner;
 * - follow-ups still due whose time has come: the overdue ones among them are picked out with the domain's
 *   own rule (overdueAtOf), not a copy of it in SQL.
 */
const LIVE_SQL = `
  SELECT
    (SELECT count(*)::int FROM calls WHERE state = 'waiting' AND operator_id IS NULL) AS waiting,
    (SELECT count(*)::int FROM calls
      WHERE state IN ('waiting', 'answered') AND (state = 'answered' OR operator_id IS NOT NULL)) AS in_progress,
    (SELECT min(offered_at) FROM calls WHERE state = 'waiting' AND operator_id IS NULL) AS longest_wait_since,
    (SELECT coalesce(json_object_agg(status, n), '{}'::json)
       FROM (SELECT coalesce(s.status, 'offline') AS status, count(*)::int AS n
               FROM users u LEFT JOIN operator_states s ON s.user_id = u.id
              WHERE u.active AND u.role = 'operator' GROUP BY 1) o) AS operators,
    (SELECT count(*)::int FROM users u JOIN operator_states s ON s.user_id = u.id
      WHERE u.active AND u.role = 'supervisor' AND s.status <> 'offline') AS supervisors_online,
    (SELECT count(*)::int FROM alerts WHERE state = 'open') AS open_alerts,
    (SELECT count(*)::int FROM consultations k
      WHERE (k.created_at >= $1 OR (k.status = 'draft' AND k.updated_at >= $1))
        AND (SELECT r.final_level FROM risk_assessments r WHERE r.consultation_id = k.id
              ORDER BY r.created_at DESC, r.id DESC LIMIT 1) IN ('high', 'critical')) AS high_risk_open,
    (SELECT count(*)::int FROM referrals
      WHERE urgency = 'urgent' AND status = ANY($3::referral_status[])) AS urgent_awaiting,
    (SELECT count(*)::int FROM referrals WHERE status IN ('failed', 'escalated')) AS failed_or_escalated,
    (SELECT coalesce(json_agg(json_build_object('raiseAt', raise_at, 'from', window_from, 'to', window_to)),
                     '[]'::json)
       FROM follow_ups WHERE state = 'due' AND raise_at <= $2) AS follow_ups_due`;

const iso = (d: Date) => d.toISOString();

function windowOf(w: TimeWindow, m: WindowMetrics): BoardWindow {
  // The board shows AHT without the count it is over (the statistics need it, for disclosure control).
  const { handled: _h, ...figures } = m;
  return { from: iso(w.from), to: iso(w.to), ...figures };
}

/** The live part of the figures and the attention counts, at `now`, for the shift that began at `shiftFrom`. */
export async function liveFigures(
  q: BoardQueryable,
  now: Date,
  shiftFrom: Date,
): Promise<Pick<BoardFigures, 'live' | 'attention'>> {
  // Urgent and still waiting for its partner: the lifecycle's way into `escalated`.
  const { rows } = await q.query<LiveRow>(LIVE_SQL, [shiftFrom, now, statusesFrom('escalated')]);
  const r = rows[0];
  if (!r) throw new Error('the live figures query answered no row');
  const operators = Object.fromEntries(OPERATOR_STATUSES.map((s) => [s, r.operators[s] ?? 0])) as Record<
    OperatorStatus,
    number
  >;
  const overdue = r.follow_ups_due.filter((f) => {
    const window = f.from && f.to ? { from: f.from, to: f.to } : null;
    return now >= overdueAtOf(new Date(f.raiseAt), window);
  }).length;
  return {
    live: {
      waiting: r.waiting,
      inProgress: r.in_progress,
      longestWaitSince: r.longest_wait_since ? iso(r.longest_wait_since) : null,
      operators,
      supervisorsOnline: r.supervisors_online,
    },
    attention: {
      openAlerts: r.open_alerts,
      highRiskOpen: r.high_risk_open,
      urgentReferralsAwaiting: r.urgent_awaiting,
      referralsFailedOrEscalated: r.failed_or_escalated,
      followUpsOverdue: overdue,
    },
  };
}

/**
 * Everything the board and the wall show as numbers, at the clock's now: two statements, run side by side
 * (the three windows' metrics; the live figures and attention counts).
 */
export async function computeFigures(
  q: BoardQueryable,
  clock: Clock,
  settings: BoardSettings,
): Promise<BoardFigures> {
  const now = clock.now();
  const w = boardWindows(now, settings.shifts);
  const [metrics, live] = await Promise.all([
    metricsOver(q, [w.hour, w.shift, w.today], settings.thresholdSeconds, { wrapUp: true }),
    liveFigures(q, now, w.shift.from),
  ]);
  const [hour, shift, today] = metrics;
  if (!hour || !shift || !today) throw new Error('the metrics query answered too few rows');
  return {
    at: iso(now),
    windows: {
      hour: windowOf(w.hour, hour),
      shift: windowOf(w.shift, shift),
      today: windowOf(w.today, today),
    },
    ...live,
  };
}
