import { dbOn, schema } from '@korgon/db';
import { type OperatorStatus, wrapUpEndJob } from '@korgon/domain';
import { and, eq, isNotNull, sql } from 'drizzle-orm';
import type { PendingChanges, Queryable } from './types';

const { operatorStates } = schema;

/**
 * Sets an operator's state; records the change only when something changed. Entering wrap-up stores when it
 * ends and asks for a delayed job at that time (added after the commit; a later wrap-up of the same operator
 * has another job id, and the end of an earlier one then finds nothing to end).
 *
 * A break, or going offline, answers a pending offer of a short break (it is cleared). A break taken while one
 * is offered is that break: with `breakMinutes` it gets its end (break_ends_at), which any later state clears.
 */
export async function setOperatorStatus(
  q: Queryable,
  pending: PendingChanges,
  userId: string,
  status: OperatorStatus,
  opts: {
    callId?: string | null;
    wrapUpSeconds?: number;
    onlyIf?: OperatorStatus[];
    onlyIfCall?: string;
    /** The length of an offered break (BREAK_OFFER_MINUTES), given where a person chose the state. */
    breakMinutes?: number;
  } = {},
): Promise<boolean> {
  const callId = status === 'on_call' || status === 'wrap_up' ? (opts.callId ?? null) : null;
  const wrapUpSeconds = status === 'wrap_up' ? (opts.wrapUpSeconds ?? 120) : null;
  // Raw SQL: an upsert whose DO UPDATE has its own WHERE (IS DISTINCT FROM, = ANY of an enum array) and CASEs.
  const { rows } = await q.query<{ since: Date; wrap_up_ends_at: Date | null }>(
    `INSERT INTO operator_states (user_id, status, since, call_id, wrap_up_ends_at)
     VALUES ($1, $2, date_trunc('milliseconds', clock_timestamp()), $3,
             date_trunc('milliseconds', clock_timestamp()) + make_interval(secs => $6::double precision))
     ON CONFLICT (user_id) DO UPDATE SET status = EXCLUDED.status, since = EXCLUDED.since, call_id = EXCLUDED.call_id,
                                         wrap_up_ends_at = EXCLUDED.wrap_up_ends_at,
       break_offered_at = CASE WHEN EXCLUDED.status IN ('break', 'offline') THEN NULL
                               ELSE operator_states.break_offered_at END,
       break_ends_at = CASE WHEN EXCLUDED.status = 'break' AND operator_states.break_offered_at IS NOT NULL
                            THEN EXCLUDED.since + make_interval(mins => $7::int) END
       WHERE (operator_states.status, operator_states.call_id) IS DISTINCT FROM (EXCLUDED.status, EXCLUDED.call_id)
         AND ($4::operator_status[] IS NULL OR operator_states.status = ANY($4::operator_status[]))
         AND ($5::uuid IS NULL OR operator_states.call_id = $5::uuid)
     RETURNING since, wrap_up_ends_at`,
    [
      userId,
      status,
      callId,
      opts.onlyIf ?? null,
      opts.onlyIfCall ?? null,
      wrapUpSeconds,
      opts.breakMinutes ?? null,
    ],
  );
  const row = rows[0];
  if (!row) return false;
  pending.operators.add(userId);
  if (row.wrap_up_ends_at) pending.jobs.push(wrapUpEndJob(userId, row.since, row.wrap_up_ends_at));
  return true;
}

/**
 * Ends a wrap-up that is still the same one (the job's payload names when it began), unless she holds it
 * (wrap_up_ends_at cleared): a held wrap-up ends only when she chooses another state.
 */
export async function endWrapUp(
  q: Queryable,
  pending: PendingChanges,
  userId: string,
  since: string,
): Promise<boolean> {
  const ended = await dbOn(q)
    .update(operatorStates)
    .set({
      status: 'available',
      since: sql`date_trunc('milliseconds', clock_timestamp())`,
      callId: null,
      wrapUpEndsAt: null,
    })
    .where(
      and(
        eq(operatorStates.userId, userId),
        eq(operatorStates.status, 'wrap_up'),
        eq(operatorStates.since, sql`${since}::timestamptz`),
        isNotNull(operatorStates.wrapUpEndsAt),
      ),
    )
    .returning({ userId: operatorStates.userId });
  if (ended.length > 0) pending.operators.add(userId);
  return ended.length > 0;
}

/**
 * "I need more time": her current wrap-up no longer ends by itself (its end is cleared, so its job and the
 * reconciler leave it). Returns false when she is not in a wrap-up that would end.
 */
export async function holdWrapUp(q: Queryable, pending: PendingChanges, userId: string): Promise<boolean> {
  const held = await dbOn(q)
    .update(operatorStates)
    .set({ wrapUpEndsAt: null })
    .where(
      and(
        eq(operatorStates.userId, userId),
        eq(operatorStates.status, 'wrap_up'),
        isNotNull(operatorStates.wrapUpEndsAt),
      ),
    )
    .returning({ userId: operatorStates.userId });
  if (held.length > 0) pending.operators.add(userId);
  return held.length > 0;
}

/**
 * Offers her a short break (after a call assessed critical), or withdraws the offer (she declined). The time of
 * the latest offer is kept; an operator with no state yet gets one (offline) to carry it.
 */
export async function setBreakOffer(
  q: Queryable,
  pending: PendingChanges,
  userId: string,
  offered: boolean,
): Promise<boolean> {
  const db = dbOn(q);
  const now = sql`date_trunc('milliseconds', clock_timestamp())`;
  const changed = offered
    ? await db
        .insert(operatorStates)
        .values({ userId, breakOfferedAt: now })
        .onConflictDoUpdate({
          target: operatorStates.userId,
          set: { breakOfferedAt: sql`excluded.break_offered_at` },
        })
        .returning({ userId: operatorStates.userId })
    : await db
        .update(operatorStates)
        .set({ breakOfferedAt: null })
        .where(and(eq(operatorStates.userId, userId), isNotNull(operatorStates.breakOfferedAt)))
        .returning({ userId: operatorStates.userId });
  if (changed.length > 0) pending.operators.add(userId);
  return changed.length > 0;
}
