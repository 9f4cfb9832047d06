import type { OperatorView, QueueCall } from '@korgon/domain';
import type { Queryable } from './types';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

interface CallRow {
  id: string;
  line: string;
  state: QueueCall['state'];
  offered_at: Date | null;
  answered_at: Date | null;
  ended_at: Date | null;
  short_abandoned: boolean;
  prior_contacts: number;
  operator_id: string | null;
  operator_name: string | null;
  taken_at: Date | null;
  consultation_id: string | null;
  consultation_status: 'draft' | 'final' | null;
  consultation_reference: string | null;
  extension: string | null;
  assigned_by: string | null;
  assigned_by_name: string | null;
}

const CALL_SELECT = `
  SELECT c.id, c.line, c.state, c.offered_at, c.answered_at, c.ended_at, c.short_abandoned, c.prior_contacts,
         c.operator_id, u.display_name AS operator_name, c.taken_at, c.extension,
         c.assigned_by, g.display_name AS assigned_by_name,
         k.id AS consultation_id, k.status AS consultation_status, k.reference AS consultation_reference
    FROM calls c LEFT JOIN users u ON u.id = c.operator_id
    LEFT JOIN users g ON g.id = c.assigned_by
    LEFT JOIN consultations k ON k.call_id = c.id`;

function toCall(r: CallRow): QueueCall {
  return {
    id: r.id,
    line: r.line,
    state: r.state,
    offeredAt: iso(r.offered_at),
    answeredAt: iso(r.answered_at),
    endedAt: iso(r.ended_at),
    shortAbandoned: r.short_abandoned,
    repeatContacts: r.prior_contacts,
    takenBy: r.operator_id ? { id: r.operator_id, displayName: r.operator_name ?? '' } : null,
    takenAt: iso(r.taken_at),
    consultationId: r.consultation_id,
    consultationStatus: r.consultation_status,
    consultationReference: r.consultation_reference,
    extension: r.extension,
    unknownExtension: r.state === 'answered' && r.operator_id === null && r.extension !== null,
    assignedBy: r.assigned_by ? { id: r.assigned_by, displayName: r.assigned_by_name ?? '' } : null,
  };
}

export async function callViews(q: Queryable, ids: readonly string[]): Promise<Map<string, QueueCall>> {
  if (ids.length === 0) return new Map();
  const { rows } = await q.query<CallRow>(`${CALL_SELECT} WHERE c.id = ANY($1::uuid[])`, [ids]);
  return new Map(rows.map((r) => [r.id, toCall(r)]));
}

/** Calls still on the line, longest waiting first. */
export async function activeCalls(q: Queryable): Promise<QueueCall[]> {
  const { rows } = await q.query<CallRow>(
    `${CALL_SELECT} WHERE c.state IN ('waiting', 'answered') ORDER BY c.offered_at, c.id`,
  );
  return rows.map(toCall);
}

interface OperatorRow {
  id: string;
  display_name: string;
  role: string;
  status: OperatorView['status'] | null;
  since: Date | null;
  call_id: string | null;
  wrap_up_ends_at: Date | null;
  break_offered_at: Date | null;
  break_ends_at: Date | null;
}

const OPERATOR_SELECT = `
  SELECT u.id, u.display_name, u.role, s.status, s.since, s.call_id, s.wrap_up_ends_at, s.break_offered_at,
         s.break_ends_at
    FROM users u LEFT JOIN operator_states s ON s.user_id = u.id
   WHERE u.active AND u.role IN ('operator', 'supervisor')`;

function toOperator(r: OperatorRow): OperatorView {
  return {
    id: r.id,
    displayName: r.display_name,
    role: r.role,
    status: r.status ?? 'offline',
    since: (r.since ?? new Date(0)).toISOString(),
    callId: r.call_id,
    wrapUpEndsAt: iso(r.wrap_up_ends_at),
    breakOfferedAt: iso(r.break_offered_at),
    breakEndsAt: iso(r.break_ends_at),
  };
}

export async function operatorViews(q: Queryable, userIds?: readonly string[]): Promise<OperatorView[]> {
  const { rows } = userIds
    ? await q.query<OperatorRow>(`${OPERATOR_SELECT} AND u.id = ANY($1::uuid[]) ORDER BY u.display_name`, [
        userIds,
      ])
    : await q.query<OperatorRow>(`${OPERATOR_SELECT} ORDER BY u.display_name`);
  return rows.map(toOperator);
}
