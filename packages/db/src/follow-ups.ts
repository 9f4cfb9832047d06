import {
  type FollowUp,
  type FollowUpKind,
  type FollowUpPhase,
  type FollowUpState,
  overdueAtOf,
  rooms,
} from '@korgon/domain';
import type { Queryable } from './queryable';

/** A follow-up row as read for its view (shared by the server and the worker, which both push it). */
export interface FollowUpRow {
  id: string;
  consultation_id: string;
  reference: string | null;
  kind: FollowUpKind;
  source: string;
  state: FollowUpState;
  due_at: Date;
  raise_at: Date;
  raised_at: Date | null;
  window_from: string | null;
  window_to: string | null;
  assignee_id: string | null;
  assignee_name: string | null;
  risk_level: string | null;
  done_consultation_id: string | null;
  started_consultation_id: string | null;
  reason_sealed: Buffer | null;
  key_version: number | null;
  closed_at: Date | null;
  closed_by: string | null;
  closed_by_name: string | null;
  created_at: Date;
}

/**
 * The view's columns. The consultation's reference is read through to_jsonb so this query does not depend on
 * the order in which the reference column and the follow-ups arrive in an installation's migrations.
 */
export const FOLLOW_UP_SELECT = `
  SELECT f.id, f.consultation_id, to_jsonb(k)->>'reference' AS reference, f.kind, f.source, f.state,
         f.due_at, f.raise_at, f.raised_at, f.window_from, f.window_to, f.assignee_id, a.display_name AS assignee_name,
         (SELECT r.final_level FROM risk_assessments r WHERE r.consultation_id = f.consultation_id
           ORDER BY r.created_at DESC, r.id DESC LIMIT 1) AS risk_level,
         f.done_consultation_id,
         (SELECT s.id FROM consultations s WHERE s.follow_up_id = f.id ORDER BY s.created_at DESC LIMIT 1)
           AS started_consultation_id,
         f.reason_sealed, f.key_version, f.closed_at, f.closed_by, b.display_name AS closed_by_name, f.created_at
    FROM follow_ups f
    JOIN consultations k ON k.id = f.consultation_id
    LEFT JOIN users a ON a.id = f.assignee_id
    LEFT JOIN users b ON b.id = f.closed_by`;

export async function followUpRows(q: Queryable, ids: readonly string[]): Promise<FollowUpRow[]> {
  if (ids.length === 0) return [];
  const { rows } = await q.query<FollowUpRow>(`${FOLLOW_UP_SELECT} WHERE f.id = ANY($1::uuid[])`, [ids]);
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

export function followUpPhase(
  r: Pick<FollowUpRow, 'state' | 'raise_at' | 'raised_at'>,
  overdueAt: Date,
  now: Date,
): FollowUpPhase {
  if (r.state !== 'due') return 'closed';
  if (!r.raised_at && r.raise_at > now) return 'upcoming';
  return now >= overdueAt ? 'overdue' : 'due';
}

/** The view, with "now" from the caller's clock; `openReason` unseals a missed or cancelled one's reason. */
export function followUpView(
  r: FollowUpRow,
  now: Date,
  openReason: (r: FollowUpRow) => string | null = () => null,
): FollowUp {
  const window = r.window_from && r.window_to ? { from: r.window_from, to: r.window_to } : null;
  const overdueAt = overdueAtOf(r.raise_at, window);
  return {
    id: r.id,
    consultationId: r.consultation_id,
    reference: r.reference,
    kind: r.kind,
    source: r.source,
    state: r.state,
    phase: followUpPhase(r, overdueAt, now),
    dueAt: r.due_at.toISOString(),
    raiseAt: r.raise_at.toISOString(),
    raisedAt: r.raised_at?.toISOString() ?? null,
    overdueAt: overdueAt.toISOString(),
    window,
    assignee: r.assignee_id ? { id: r.assignee_id, displayName: r.assignee_name ?? '' } : null,
    riskLevel: r.risk_level,
    doneBy: r.done_consultation_id,
    startedConsultationId: r.started_consultation_id,
    reason: r.reason_sealed ? openReason(r) : null,
    closedAt: r.closed_at?.toISOString() ?? null,
    closedBy: r.closed_by ? { id: r.closed_by, displayName: r.closed_by_name ?? '' } : null,
    createdAt: r.created_at.toISOString(),
  };
}

/** Who is told about a follow-up: its assignee (the shift's: every operator) and the supervisors. */
export function followUpRooms(f: Pick<FollowUp, 'assignee'>): string[] {
  return [f.assignee ? rooms.user(f.assignee.id) : rooms.role('operator'), rooms.role('supervisor')];
}
