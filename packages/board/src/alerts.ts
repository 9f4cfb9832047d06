import { followUpPhase, type Queryable, type schema } from '@korgon/db';
import {
  ALERTS_HANDLED_HOURS,
  type AlertKind,
  type BoardAlert,
  type Clock,
  ConsentExceptionKind,
  type LocalizedText,
  overdueAtOf,
  type PartnerType,
} from '@korgon/domain';
import type pg from 'pg';

/** An alert row as drizzle reads it (the raw queries below alias their columns to these names). */
export type AlertRow = typeof schema.alerts.$inferSelect;

/** The thresholds of the alerts that time alone raises (packages/config: ALERT_*). */
export interface AlertSettings {
  /** ALERT_WAIT_SECONDS: a call waiting (taken by nobody) longer than this. */
  waitSeconds: number;
  /** ALERT_WRAP_UP_SECONDS: an operator in wrap-up longer than this. */
  wrapUpSeconds: number;
}

/**
 * Causes that are moments rather than states (a critical assessment saved, a referral sent under a consent
 * exception) raise an alert only this long after they happened: a new deployment, or a worker that was down
 * for days, never floods the board with old history.
 */
export const ALERT_RECENT_HOURS = 24;

/** At most this many alerts are listed (GET /api/alerts); the board never has more in practice. */
export const ALERT_LIST_LIMIT = 500;

const HOUR = 3_600_000;

/**
 * Every cause that is true now, except overdue follow-ups (whose overdue time is computed in TypeScript, by
 * the same function as their view): one row per cause, with its key and the ids of what it is about.
 * $1 now, $2 ALERT_WAIT_SECONDS, $3 ALERT_WRAP_UP_SECONDS, $4 the start of the "recent" window.
 */
const CAUSES = `
  SELECT 'long_wait'::alert_kind AS kind, 'long_wait:' || c.id AS cause_key, c.id AS call_id,
         NULL::uuid AS consultation_id, NULL::uuid AS assessment_id, NULL::uuid AS referral_id,
         NULL::uuid AS follow_up_id, NULL::uuid AS operator_id, coalesce(c.offered_at, c.created_at) AS cause_at
    FROM calls c
   WHERE c.state = 'waiting' AND c.operator_id IS NULL
     AND coalesce(c.offered_at, c.created_at) <= $1::timestamptz - make_interval(secs => $2)
  UNION ALL
  SELECT 'unknown_extension', 'unknown_extension:' || c.id, c.id, NULL, NULL, NULL, NULL, NULL,
         coalesce(c.answered_at, c.offered_at, c.created_at)
    FROM calls c
   WHERE c.state = 'answered' AND c.operator_id IS NULL AND c.extension IS NOT NULL
  UNION ALL
  SELECT 'critical_risk', 'critical_risk:' || r.consultation_id, NULL, r.consultation_id, r.id, NULL, NULL,
         r.created_by, r.created_at
    FROM (SELECT DISTINCT ON (l.consultation_id) l.id, l.consultation_id, l.final_level, l.created_by, l.created_at
            FROM risk_assessments l
           WHERE l.consultation_id IN (SELECT consultation_id FROM risk_assessments WHERE created_at >= $4)
           ORDER BY l.consultation_id, l.created_at DESC, l.id DESC) r
   WHERE r.final_level = 'critical' AND r.created_at >= $4
  UNION ALL
  SELECT 'override_pending', 'override_pending:' || r.id, NULL, r.consultation_id, r.id, NULL, NULL,
         r.created_by, r.created_at
    FROM risk_assessments r
   WHERE r.override->>'status' = 'pending_sign_off'
  UNION ALL
  SELECT 'consent_exception', 'consent_exception:' || f.id, NULL, f.consultation_id, NULL, f.id, NULL,
         f.created_by, f.created_at
    FROM referrals f
   WHERE f.consent_exception IS NOT NULL AND f.created_at >= $4
  UNION ALL
  SELECT 'referral_escalated', 'referral_escalated:' || f.id, NULL, f.consultation_id, NULL, f.id, NULL,
         f.created_by, coalesce(f.escalated_at, f.updated_at)
    FROM referrals f
   WHERE f.status = 'escalated'
  UNION ALL
  -- A referral retried after a failure and failed again is a new cause: the key names the failure's event.
  SELECT 'referral_failed', 'referral_failed:' || f.id || ':' || e.id, NULL, f.consultation_id, NULL, f.id, NULL,
         f.created_by, e.at
    FROM referrals f
    CROSS JOIN LATERAL (SELECT v.id, v.at FROM referral_events v WHERE v.referral_id = f.id AND v.status = 'failed'
                         ORDER BY v.at DESC, v.id DESC LIMIT 1) e
   WHERE f.status = 'failed'
  UNION ALL
  -- One per wrap-up: the key names the operator and when her wrap-up began.
  SELECT 'wrap_up_long', 'wrap_up_long:' || s.user_id || ':' || (extract(epoch FROM s.since) * 1000000)::bigint,
         s.call_id, NULL, NULL, NULL, NULL, s.user_id, s.since
    FROM operator_states s
   WHERE s.status = 'wrap_up' AND s.since <= $1::timestamptz - make_interval(secs => $3)`;

const INSERT_COLUMNS =
  'kind, cause_key, call_id, consultation_id, assessment_id, referral_id, follow_up_id, operator_id, cause_at, raised_at, updated_at';

/**
 * Unresolved alerts whose cause has ended, each kind by its own test (docs/board.md "Alerts"), locked in id
 * order so that two syncs never deadlock; a row another sync resolved meanwhile is skipped. Consent exceptions
 * end only by acknowledgement; a critical assessment also when the consultation's latest is no longer critical.
 */
const RESOLVE = `
  UPDATE alerts a SET state = 'resolved', resolved_at = $1, updated_at = $1
   WHERE a.id IN (
     SELECT x.id FROM alerts x
      WHERE x.state <> 'resolved' AND (
           (x.kind = 'long_wait' AND NOT EXISTS (
              SELECT 1 FROM calls c WHERE c.id = x.call_id AND c.state = 'waiting' AND c.operator_id IS NULL))
        OR (x.kind = 'unknown_extension' AND NOT EXISTS (
              SELECT 1 FROM calls c WHERE c.id = x.call_id AND c.state = 'answered' AND c.operator_id IS NULL))
        OR (x.kind = 'critical_risk' AND (
              SELECT r.final_level FROM risk_assessments r WHERE r.consultation_id = x.consultation_id
               ORDER BY r.created_at DESC, r.id DESC LIMIT 1) IS DISTINCT FROM 'critical')
        OR (x.kind = 'override_pending' AND NOT EXISTS (
              SELECT 1 FROM risk_assessments r WHERE r.id = x.assessment_id AND r.override->>'status' = 'pending_sign_off'))
        OR (x.kind = 'referral_escalated' AND NOT EXISTS (
              SELECT 1 FROM referrals f WHERE f.id = x.referral_id AND f.status = 'escalated'))
        OR (x.kind = 'referral_failed' AND NOT EXISTS (
              SELECT 1 FROM referrals f WHERE f.id = x.referral_id AND f.status = 'failed'
                 AND NOT EXISTS (SELECT 1 FROM referral_events e
                                  WHERE e.referral_id = f.id AND e.status = 'failed' AND e.at > x.cause_at)))
        OR (x.kind = 'wrap_up_long' AND NOT EXISTS (
              SELECT 1 FROM operator_states s WHERE s.user_id = x.operator_id AND s.status = 'wrap_up' AND s.since = x.cause_at))
        OR (x.kind = 'follow_up_overdue' AND NOT EXISTS (
              SELECT 1 FROM follow_ups f WHERE f.id = x.follow_up_id AND f.state = 'due')))
      ORDER BY x.id
      FOR UPDATE OF x)
     AND a.state <> 'resolved'
  RETURNING a.id`;

interface OverdueCandidate {
  id: string;
  consultation_id: string;
  state: 'due';
  raise_at: Date;
  raised_at: Date | null;
  window_from: string | null;
  window_to: string | null;
  assignee_id: string | null;
}

/** Follow-ups overdue now: still due, and past the time docs/domain.md §10 gives them (overdueAtOf). */
async function overdueFollowUps(q: Queryable, now: Date) {
  const { rows } = await q.query<OverdueCandidate>(
    `SELECT id, consultation_id, state, raise_at, raised_at, window_from, window_to, assignee_id
       FROM follow_ups WHERE state = 'due' AND raise_at <= $1`,
    [now],
  );
  return rows.flatMap((f) => {
    const window = f.window_from && f.window_to ? { from: f.window_from, to: f.window_to } : null;
    const overdueAt = overdueAtOf(f.raise_at, window);
    return followUpPhase(f, overdueAt, now) === 'overdue' ? [{ ...f, overdueAt }] : [];
  });
}

/** PostgreSQL's deadlock and serialization failures: the statement can simply run again. */
const RETRYABLE = new Set(['40P01', '40001']);

/**
 * Brings the alerts in line with the state of things, idempotently: raises an alert for every cause that is
 * true now and has none (`INSERT … ON CONFLICT (cause_key) DO NOTHING`, so two processes syncing at once raise
 * it once), and resolves every unresolved alert whose cause has ended. Returns the alerts it raised or resolved
 * (each once, as it is now), for the caller to push as `alert:changed`. Run by the worker's sweep every
 * ALERT_SWEEP_SECONDS and, coalesced, after the server commits a change that may raise or end one.
 */
export async function syncAlerts(
  pool: pg.Pool,
  clock: Clock,
  settings: AlertSettings,
): Promise<BoardAlert[]> {
  const changed = new Set<string>();
  for (let attempt = 1; ; attempt++) {
    try {
      const now = clock.now();
      const recent = new Date(now.getTime() - ALERT_RECENT_HOURS * HOUR);
      const raised = await pool.query<{ id: string }>(
        `INSERT INTO alerts (${INSERT_COLUMNS})
         SELECT kind, cause_key, call_id, consultation_id, assessment_id, referral_id, follow_up_id, operator_id,
                cause_at, $1, $1
           FROM (${CAUSES}) causes ORDER BY cause_key
         ON CONFLICT (cause_key) DO NOTHING RETURNING id`,
        [now, settings.waitSeconds, settings.wrapUpSeconds, recent],
      );
      for (const r of raised.rows) changed.add(r.id);
      const overdue = await overdueFollowUps(pool, now);
      if (overdue.length > 0) {
        overdue.sort((a, b) => (a.id < b.id ? -1 : 1));
        const followUps = await pool.query<{ id: string }>(
          `INSERT INTO alerts (${INSERT_COLUMNS})
           SELECT 'follow_up_overdue', 'follow_up_overdue:' || f.id, NULL, f.consultation_id, NULL, NULL, f.id,
                  f.operator_id, f.cause_at, $1, $1
             FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::timestamptz[])
                  AS f(id, consultation_id, operator_id, cause_at)
           ON CONFLICT (cause_key) DO NOTHING RETURNING id`,
          [
            now,
            overdue.map((f) => f.id),
            overdue.map((f) => f.consultation_id),
            overdue.map((f) => f.assignee_id),
            overdue.map((f) => f.overdueAt),
          ],
        );
        for (const r of followUps.rows) changed.add(r.id);
      }
      // After the raises, so that a cause that ended while they were being found is resolved in this same sync.
      const resolved = await pool.query<{ id: string }>(RESOLVE, [now]);
      for (const r of resolved.rows) changed.add(r.id);
      break;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (attempt >= 3 || !code || !RETRYABLE.has(code)) throw err;
    }
  }
  return alertViews(pool, [...changed]);
}

interface ViewRow {
  id: string;
  kind: AlertKind;
  state: AlertRow['state'];
  causeAt: Date;
  raisedAt: Date;
  acknowledgedAt: Date | null;
  acknowledgedBy: string | null;
  acknowledgedByName: string | null;
  resolvedAt: Date | null;
  callId: string | null;
  callExtension: string | null;
  consultationId: string | null;
  consultationReference: string | null;
  level: string | null;
  assessmentId: string | null;
  computedLevel: string | null;
  override: { level?: string; status?: string; signedById?: string | null } | null;
  decidedByName: string | null;
  referralId: string | null;
  referralReference: string | null;
  partnerId: string | null;
  partnerName: LocalizedText | null;
  partnerType: PartnerType | null;
  urgency: string | null;
  consentException: string | null;
  followUpId: string | null;
  operatorId: string | null;
  operatorName: string | null;
}

/**
 * An alert with what it is about, joined by id. Raw SQL rather than drizzle: three aliases of users and a
 * correlated "latest assessment" read more plainly here, and the same text serves the server and the worker.
 */
const VIEW_SELECT = `
  SELECT a.id, a.kind, a.state, a.cause_at AS "causeAt", a.raised_at AS "raisedAt",
         a.acknowledged_at AS "acknowledgedAt", a.acknowledged_by AS "acknowledgedBy",
         ab.display_name AS "acknowledgedByName", a.resolved_at AS "resolvedAt",
         a.call_id AS "callId", c.extension AS "callExtension",
         a.consultation_id AS "consultationId", k.reference AS "consultationReference",
         coalesce(ra.final_level, (SELECT r.final_level FROM risk_assessments r WHERE r.consultation_id = a.consultation_id
                                    ORDER BY r.created_at DESC, r.id DESC LIMIT 1)) AS level,
         a.assessment_id AS "assessmentId", ra.computed_level AS "computedLevel", ra.override,
         sb.display_name AS "decidedByName",
         a.referral_id AS "referralId", f.reference AS "referralReference", p.id AS "partnerId", p.name AS "partnerName", p.type AS "partnerType",
         f.urgency, f.consent_exception AS "consentException",
         a.follow_up_id AS "followUpId", a.operator_id AS "operatorId", op.display_name AS "operatorName"
    FROM alerts a
    LEFT JOIN users ab ON ab.id = a.acknowledged_by
    LEFT JOIN calls c ON c.id = a.call_id
    LEFT JOIN consultations k ON k.id = a.consultation_id
    LEFT JOIN risk_assessments ra ON ra.id = a.assessment_id
    LEFT JOIN users sb ON sb.id = CASE WHEN a.kind = 'override_pending' THEN (ra.override->>'signedById')::uuid END
    LEFT JOIN referrals f ON f.id = a.referral_id
    LEFT JOIN partner_orgs p ON p.id = f.partner_org_id
    LEFT JOIN users op ON op.id = a.operator_id`;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function overrideOf(r: ViewRow): BoardAlert['override'] {
  if (r.kind !== 'override_pending' || !r.assessmentId || !r.override) return null;
  const status = r.override.status;
  return {
    assessmentId: r.assessmentId,
    computedLevel: r.computedLevel ?? '',
    requestedLevel: r.override.level ?? '',
    status: status === 'signed' || status === 'refused' ? status : 'pending_sign_off',
    decidedBy:
      r.override.signedById && (status === 'signed' || status === 'refused')
        ? { id: r.override.signedById, displayName: r.decidedByName ?? '' }
        : null,
  };
}

function toView(r: ViewRow): BoardAlert {
  const exception = ConsentExceptionKind.safeParse(r.consentException);
  return {
    id: r.id,
    kind: r.kind,
    state: r.state,
    causeAt: r.causeAt.toISOString(),
    raisedAt: r.raisedAt.toISOString(),
    acknowledgedAt: iso(r.acknowledgedAt),
    acknowledgedBy: r.acknowledgedBy
      ? { id: r.acknowledgedBy, displayName: r.acknowledgedByName ?? '' }
      : null,
    resolvedAt: iso(r.resolvedAt),
    call: r.callId ? { id: r.callId, extension: r.callExtension } : null,
    consultation:
      r.consultationId && r.consultationReference
        ? { id: r.consultationId, reference: r.consultationReference, level: r.level }
        : null,
    override: overrideOf(r),
    referral:
      r.referralId && r.referralReference && r.partnerId && r.partnerName && r.partnerType
        ? {
            id: r.referralId,
            reference: r.referralReference,
            partner: { id: r.partnerId, name: r.partnerName, type: r.partnerType },
            urgency: r.urgency === 'urgent' ? 'urgent' : 'standard',
            consentException: exception.success ? exception.data : null,
          }
        : null,
    followUpId: r.followUpId,
    operator: r.operatorId ? { id: r.operatorId, displayName: r.operatorName ?? '' } : null,
  };
}

/** The alerts with these ids as the board shows them, newest first. */
export async function alertViews(q: Queryable, ids: readonly string[]): Promise<BoardAlert[]> {
  if (ids.length === 0) return [];
  const { rows } = await q.query<ViewRow>(
    `${VIEW_SELECT} WHERE a.id = ANY($1::uuid[]) ORDER BY a.raised_at DESC, a.id`,
    [ids],
  );
  return rows.map(toView);
}

/**
 * What the board lists (`GET /api/alerts`): every open alert, and those acknowledged or resolved in the last
 * ALERTS_HANDLED_HOURS (an acknowledged one whose cause lasts stays until then), the newest first.
 */
export async function listAlerts(q: Queryable, now: Date): Promise<BoardAlert[]> {
  const since = new Date(now.getTime() - ALERTS_HANDLED_HOURS * HOUR);
  const { rows } = await q.query<ViewRow>(
    `${VIEW_SELECT}
      WHERE a.state = 'open' OR coalesce(a.resolved_at, a.acknowledged_at) >= $1
      ORDER BY a.raised_at DESC, a.id LIMIT ${ALERT_LIST_LIMIT}`,
    [since],
  );
  return rows.map(toView);
}

/**
 * How long after a kick the sync runs: the kicks of a burst of changes (50 call events a second) make one sync,
 * and an answered call still resolves its long wait well within a second.
 */
export const ALERT_KICK_DEBOUNCE_MS = 150;

export interface AlertSyncer {
  /** Something that may raise or end an alert was committed: sync shortly (coalesced). */
  kick(): void;
  /** Stops the timer and waits for a sync in flight; later kicks do nothing. */
  stop(): Promise<void>;
}

/**
 * Coalesced syncs for one process: a kick starts a short debounce; at most one sync runs at a time, and kicks
 * during one make one more after it. Each sync's changes go to `changed` (the caller pushes them).
 */
export function createAlertSyncer(o: {
  pool: pg.Pool;
  clock: Clock;
  settings: AlertSettings;
  changed: (alerts: BoardAlert[]) => void;
  onError?: (err: Error) => void;
  debounceMs?: number;
}): AlertSyncer {
  const debounceMs = o.debounceMs ?? ALERT_KICK_DEBOUNCE_MS;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  const fire = () => {
    timer = undefined;
    running = syncAlerts(o.pool, o.clock, o.settings)
      .then((alerts) => {
        if (alerts.length > 0) o.changed(alerts);
      })
      .catch((err: Error) => o.onError?.(err))
      .finally(() => {
        running = undefined;
        if (again && !stopped) {
          again = false;
          schedule();
        }
      });
  };
  const schedule = () => {
    if (timer) return;
    timer = setTimeout(fire, debounceMs);
    timer.unref();
  };

  return {
    kick() {
      if (stopped) return;
      if (running) again = true;
      else schedule();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}
