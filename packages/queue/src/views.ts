import { dbOn, type Queryable, schema } from '@korgon/db';
import type { OperatorView, QueueCall } from '@korgon/domain';
import { and, asc, eq, inArray } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { CallRow } from './call-store';

const { calls, consultations, operatorStates, users } = schema;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** A call's view as read: its row's columns (CallRow) with the names and consultation joined to it. */
type CallViewRow = Pick<
  CallRow,
  | 'id'
  | 'line'
  | 'state'
  | 'offeredAt'
  | 'answeredAt'
  | 'endedAt'
  | 'shortAbandoned'
  | 'priorContacts'
  | 'operatorId'
  | 'takenAt'
  | 'extension'
  | 'assignedBy'
> & {
  operatorName: string | null;
  assignedByName: string | null;
  consultationId: string | null;
  consultationStatus: 'draft' | 'final' | null;
  consultationReference: string | null;
};

const taker = alias(users, 'u');
const giver = alias(users, 'g');

function selectCalls(q: Queryable) {
  return dbOn(q)
    .select({
      id: calls.id,
      line: calls.line,
      state: calls.state,
      offeredAt: calls.offeredAt,
      answeredAt: calls.answeredAt,
      endedAt: calls.endedAt,
      shortAbandoned: calls.shortAbandoned,
      priorContacts: calls.priorContacts,
      operatorId: calls.operatorId,
      operatorName: taker.displayName,
      takenAt: calls.takenAt,
      extension: calls.extension,
      assignedBy: calls.assignedBy,
      assignedByName: giver.displayName,
      consultationId: consultations.id,
      consultationStatus: consultations.status,
      consultationReference: consultations.reference,
    })
    .from(calls)
    .leftJoin(taker, eq(taker.id, calls.operatorId))
    .leftJoin(giver, eq(giver.id, calls.assignedBy))
    .leftJoin(consultations, eq(consultations.callId, calls.id));
}

function toCall(r: CallViewRow): QueueCall {
  return {
    id: r.id,
    line: r.line,
    state: r.state,
    offeredAt: iso(r.offeredAt),
    answeredAt: iso(r.answeredAt),
    endedAt: iso(r.endedAt),
    shortAbandoned: r.shortAbandoned,
    repeatContacts: r.priorContacts,
    takenBy: r.operatorId ? { id: r.operatorId, displayName: r.operatorName ?? '' } : null,
    takenAt: iso(r.takenAt),
    consultationId: r.consultationId,
    consultationStatus: r.consultationStatus,
    consultationReference: r.consultationReference,
    extension: r.extension,
    unknownExtension: r.state === 'answered' && r.operatorId === null && r.extension !== null,
    assignedBy: r.assignedBy ? { id: r.assignedBy, displayName: r.assignedByName ?? '' } : null,
  };
}

export async function callViews(q: Queryable, ids: readonly string[]): Promise<Map<string, QueueCall>> {
  if (ids.length === 0) return new Map();
  const rows = await selectCalls(q).where(inArray(calls.id, [...ids]));
  return new Map(rows.map((r) => [r.id, toCall(r)]));
}

/** Calls still on the line, longest waiting first. */
export async function activeCalls(q: Queryable): Promise<QueueCall[]> {
  const rows = await selectCalls(q)
    .where(inArray(calls.state, ['waiting', 'answered']))
    .orderBy(asc(calls.offeredAt), asc(calls.id));
  return rows.map(toCall);
}

type UserRow = typeof users.$inferSelect;
type OperatorStateRow = typeof operatorStates.$inferSelect;

/** An operator as read: her user's columns, and her state's (all null when she has none yet). */
type OperatorRow = Pick<UserRow, 'id' | 'displayName' | 'role'> & {
  [K in 'status' | 'since' | 'callId' | 'wrapUpEndsAt' | 'breakOfferedAt' | 'breakEndsAt']:
    | OperatorStateRow[K]
    | null;
};

function toOperator(r: OperatorRow): OperatorView {
  return {
    id: r.id,
    displayName: r.displayName,
    role: r.role,
    status: r.status ?? 'offline',
    since: (r.since ?? new Date(0)).toISOString(),
    callId: r.callId,
    wrapUpEndsAt: iso(r.wrapUpEndsAt),
    breakOfferedAt: iso(r.breakOfferedAt),
    breakEndsAt: iso(r.breakEndsAt),
  };
}

/** Active operators and supervisors (only these when `userIds` is given) with their states, by name. */
export async function operatorViews(q: Queryable, userIds?: readonly string[]): Promise<OperatorView[]> {
  const rows: OperatorRow[] = await dbOn(q)
    .select({
      id: users.id,
      displayName: users.displayName,
      role: users.role,
      status: operatorStates.status,
      since: operatorStates.since,
      callId: operatorStates.callId,
      wrapUpEndsAt: operatorStates.wrapUpEndsAt,
      breakOfferedAt: operatorStates.breakOfferedAt,
      breakEndsAt: operatorStates.breakEndsAt,
    })
    .from(users)
    .leftJoin(operatorStates, eq(operatorStates.userId, users.id))
    .where(
      and(
        eq(users.active, true),
        inArray(users.role, ['operator', 'supervisor']),
        userIds ? inArray(users.id, [...userIds]) : undefined,
      ),
    )
    .orderBy(asc(users.displayName));
  return rows.map(toOperator);
}
