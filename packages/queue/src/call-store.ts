import { dbOn, type Queryable, schema } from '@korgon/db';
import { and, asc, eq, inArray, isNull, lte, notInArray, sql } from 'drizzle-orm';

const { calls, users } = schema;

/**
 * A row of `calls` as the schema declares it. This package is the only writer of `calls` (the PBX's events,
 * claims, assignments, lost calls) and the only reader of its views, so every caller sees this one shape.
 * Its statements run on the queue transaction's client (withQueueTransaction); those in raw SQL say why.
 */
export type CallRow = typeof calls.$inferSelect;

/** Still on the line. */
const OPEN_STATES: CallRow['state'][] = ['waiting', 'answered'];

/** What the PBX's events decide about a call (telephony derives it again from all of the call's events). */
export type DerivedCall = Pick<
  CallRow,
  | 'state'
  | 'offeredAt'
  | 'answeredAt'
  | 'endedAt'
  | 'shortAbandoned'
  | 'extension'
  | 'callerHash'
  | 'callerHashKeyVersion'
  | 'operatorId'
>;

/** A call's row as the PBX's events last left it, locked for them to be applied again. */
export type LockedCall = Pick<CallRow, 'id'> & DerivedCall;

/** Old caller hashes (under a retired key still matching) and the current hash each becomes. */
export interface CallerRelinks {
  old: string[];
  versions: number[];
  current: string[];
}

/** The old-hash → current-hash pairs as a relation (parameters $1..$3), for the raw statements that join them. */
export const RELINK_PAIRS = `SELECT * FROM unnest($1::text[], $2::int[], $3::text[]) AS m(old, version, current)`;

/** The calls of these PBX ids, made on first hearing (line from the first event seen); returns PBX id → id. */
export async function recordCalls(
  q: Queryable,
  lines: ReadonlyMap<string, string>,
): Promise<Map<string, string>> {
  if (lines.size === 0) return new Map();
  const db = dbOn(q);
  await db
    .insert(calls)
    .values([...lines].map(([externalId, line]) => ({ externalId, line })))
    .onConflictDoNothing({ target: calls.externalId });
  const rows = await db
    .select({ id: calls.id, externalId: calls.externalId })
    .from(calls)
    .where(inArray(calls.externalId, [...lines.keys()]));
  return new Map(rows.map((r) => [r.externalId, r.id]));
}

/** These calls, locked in id order (as every writer locks them, so concurrent batches never deadlock). */
export async function lockCalls(q: Queryable, ids: readonly string[]): Promise<LockedCall[]> {
  if (ids.length === 0) return [];
  return dbOn(q)
    .select({
      id: calls.id,
      state: calls.state,
      offeredAt: calls.offeredAt,
      answeredAt: calls.answeredAt,
      endedAt: calls.endedAt,
      shortAbandoned: calls.shortAbandoned,
      extension: calls.extension,
      callerHash: calls.callerHash,
      callerHashKeyVersion: calls.callerHashKeyVersion,
      operatorId: calls.operatorId,
    })
    .from(calls)
    .where(inArray(calls.id, [...ids]))
    .orderBy(asc(calls.id))
    .for('update');
}

/** Stores what the events now say about a call (locked by lockCalls). */
export async function writeDerivedCall(q: Queryable, id: string, d: DerivedCall): Promise<void> {
  await dbOn(q)
    .update(calls)
    .set({ ...d, updatedAt: sql`now()` })
    .where(eq(calls.id, id));
}

/**
 * Each call's contacts from the same caller hash in the `days` before it.
 * (Raw SQL: an UPDATE set from a correlated count over the same table, aliased twice.)
 */
export async function recountPriorContacts(
  q: Queryable,
  ids: readonly string[],
  days: number,
): Promise<void> {
  await q.query(
    `UPDATE calls c SET prior_contacts = (
       SELECT count(*) FROM calls p
        WHERE p.caller_hash = c.caller_hash AND p.id <> c.id
          AND p.offered_at >= c.offered_at - make_interval(days => $2) AND p.offered_at <= c.offered_at)
      WHERE c.id = ANY($1::uuid[])`,
    [ids, days],
  );
}

/**
 * Moves the calls stored under an old key's hash to the current hash and `version` (rows stored before versions
 * were recorded count as version 1); returns their ids. They are locked in id order first, as every batch locks
 * them. (Raw SQL: a join on an unnest of the pairs, and FOR UPDATE OF one table of it.)
 */
export async function relinkCalls(q: Queryable, r: CallerRelinks, version: number): Promise<string[]> {
  const args = [r.old, r.versions, r.current];
  const { rows } = await q.query<Pick<CallRow, 'id'>>(
    `SELECT c.id FROM calls c JOIN (${RELINK_PAIRS}) m
        ON c.caller_hash = m.old AND coalesce(c.caller_hash_key_version, 1) = m.version
      ORDER BY c.id FOR UPDATE OF c`,
    args,
  );
  const ids = rows.map((c) => c.id);
  if (ids.length === 0) return ids;
  await q.query(
    `UPDATE calls c SET caller_hash = m.current, caller_hash_key_version = $5
       FROM (${RELINK_PAIRS}) m
      WHERE c.id = ANY($4::uuid[]) AND c.caller_hash = m.old`,
    [...args, ids, version],
  );
  return ids;
}

/**
 * Calls held as on the line whose PBX id is not among `activeExternalIds`, first heard of no later than `at`
 * (when given), in id order.
 */
export async function staleOpenCalls(
  q: Queryable,
  activeExternalIds: readonly string[],
  at: string | null,
): Promise<string[]> {
  const rows = await dbOn(q)
    .select({ id: calls.id })
    .from(calls)
    .where(
      and(
        inArray(calls.state, OPEN_STATES),
        activeExternalIds.length > 0 ? notInArray(calls.externalId, [...activeExternalIds]) : undefined,
        at === null ? undefined : lte(calls.createdAt, sql`${at}::timestamptz`),
      ),
    )
    .orderBy(asc(calls.id));
  return rows.map((r) => r.id);
}

/**
 * Takes a waiting call nobody has for `operatorId`. Concurrent takers serialise on the call's row: the first
 * UPDATE wins (true), every other one finds it taken (false).
 */
export async function claimWaitingCall(q: Queryable, callId: string, operatorId: string): Promise<boolean> {
  const won = await dbOn(q)
    .update(calls)
    .set({ operatorId, takenAt: sql`now()`, updatedAt: sql`now()` })
    .where(and(eq(calls.id, callId), eq(calls.state, 'waiting'), isNull(calls.operatorId)))
    .returning({ id: calls.id });
  return won.length > 0;
}

/** A call's state and who has it (her display name as `holder`), its row locked; undefined when there is none. */
export async function lockCall(
  q: Queryable,
  callId: string,
): Promise<(Pick<CallRow, 'state' | 'operatorId' | 'extension'> & { holder: string | null }) | undefined> {
  const [row] = await dbOn(q)
    .select({
      state: calls.state,
      operatorId: calls.operatorId,
      extension: calls.extension,
      holder: users.displayName,
    })
    .from(calls)
    .leftJoin(users, eq(users.id, calls.operatorId))
    .where(eq(calls.id, callId))
    .for('update', { of: calls });
  return row;
}

/** Gives a call (locked by lockCall) to `operatorId`, naming who gave it. */
export async function assignCall(
  q: Queryable,
  callId: string,
  operatorId: string,
  by: string,
): Promise<void> {
  await dbOn(q)
    .update(calls)
    .set({ operatorId, takenAt: sql`now()`, assignedBy: by, updatedAt: sql`now()` })
    .where(eq(calls.id, callId));
}

/** How the calls offered since a time ended; counts by outcome. */
export interface CallOutcomeCounts {
  since: Date;
  answered: number;
  abandoned: number;
  shortAbandoned: number;
  transferred: number;
  lost: number;
  open: number;
}

/**
 * Outcomes of the calls offered since `since` (default: midnight in Bishkek today), lost counted apart from
 * answered and abandoned. (Raw SQL: FILTER aggregates over a CTE that names the start once.)
 */
export async function callOutcomes(q: Queryable, since: Date | null): Promise<CallOutcomeCounts> {
  const { rows } = await q.query<Record<Exclude<keyof CallOutcomeCounts, 'since'>, string> & { since: Date }>(
    `WITH s AS (SELECT coalesce($1::timestamptz,
                         date_trunc('day', now() AT TIME ZONE 'Asia/Bishkek') AT TIME ZONE 'Asia/Bishkek') AS since)
     SELECT (SELECT since FROM s) AS since,
            count(*) FILTER (WHERE state = 'ended' AND answered_at IS NOT NULL) AS answered,
            count(*) FILTER (WHERE state = 'abandoned') AS abandoned,
            count(*) FILTER (WHERE state = 'abandoned' AND short_abandoned) AS "shortAbandoned",
            count(*) FILTER (WHERE state = 'transferred') AS transferred,
            count(*) FILTER (WHERE state = 'lost') AS lost,
            count(*) FILTER (WHERE state IN ('waiting', 'answered')) AS open
       FROM calls WHERE coalesce(offered_at, created_at) >= (SELECT since FROM s)`,
    [since],
  );
  const r = rows[0];
  const n = (v: string | undefined) => Number(v ?? 0);
  return {
    since: r?.since ?? new Date(),
    answered: n(r?.answered),
    abandoned: n(r?.abandoned),
    shortAbandoned: n(r?.shortAbandoned),
    transferred: n(r?.transferred),
    lost: n(r?.lost),
    open: n(r?.open),
  };
}
