import { dbOn, type Queryable, schema } from '@korgon/db';
import type { TelephonyEvent } from '@korgon/domain';
import { type CallerRelinks, RELINK_PAIRS } from '@korgon/queue';
import { and, eq, inArray } from 'drizzle-orm';

const { callEvents, users } = schema;

/** A stored PBX event, as the schema declares it. */
export type CallEventRow = Omit<typeof callEvents.$inferSelect, 'receivedAt' | 'type'> & {
  type: TelephonyEvent['type'];
};

/** A PBX event to store, its call already known by id. */
export interface NewCallEvent {
  eventId: string;
  callId: string | undefined;
  type: string;
  at: TelephonyEvent['at'];
  extension: string | null;
  callerHash: string | null;
}

/**
 * Telephony's own SQL: the PBX's events (call_events) and who answers at an extension. The calls themselves are
 * written by @korgon/queue. Every statement runs on the queue transaction's pg client, in the same transaction
 * as the calls it touches; those in raw SQL say why.
 */
export function createTelephonyRepository(q: Queryable) {
  const db = dbOn(q);
  return {
    /**
     * Stores each event once (by event id), a hash with the key version that made it; returns the call ids of
     * the events stored now. (Raw SQL: INSERT … SELECT from unnest of array parameters, one statement a batch.)
     */
    async storeEvents(events: readonly NewCallEvent[], keyVersion: number): Promise<string[]> {
      const { rows } = await q.query<{ call_id: string }>(
        `INSERT INTO call_events (event_id, call_id, type, at, extension, caller_hash, caller_hash_key_version)
         SELECT e.*, CASE WHEN e.hash IS NULL THEN NULL ELSE $7::int END
           FROM unnest($1::text[], $2::uuid[], $3::text[], $4::timestamptz[], $5::text[], $6::text[])
                AS e(event_id, call_id, type, at, extension, hash)
         ON CONFLICT (event_id) DO NOTHING RETURNING call_id`,
        [
          events.map((r) => r.eventId),
          events.map((r) => r.callId),
          events.map((r) => r.type),
          events.map((r) => r.at),
          events.map((r) => r.extension),
          events.map((r) => r.callerHash),
          keyVersion,
        ],
      );
      return rows.map((r) => r.call_id);
    },

    /** Every event of these calls. */
    async eventsOf(callIds: readonly string[]): Promise<CallEventRow[]> {
      const rows = await db
        .select({
          callId: callEvents.callId,
          eventId: callEvents.eventId,
          type: callEvents.type,
          at: callEvents.at,
          extension: callEvents.extension,
          callerHash: callEvents.callerHash,
          callerHashKeyVersion: callEvents.callerHashKeyVersion,
        })
        .from(callEvents)
        .where(inArray(callEvents.callId, [...callIds]));
      // Only PBX events are stored here, checked by TelephonyEvent on the way in.
      return rows.map((r) => ({ ...r, type: r.type as TelephonyEvent['type'] }));
    },

    /** The active user whose phone is this extension. */
    async userAtExtension(extension: string): Promise<string | undefined> {
      const [row] = await db
        .select({ id: users.id })
        .from(users)
        .where(and(eq(users.extension, extension), eq(users.active, true)));
      return row?.id;
    },

    /** The events of these (relinked) calls follow them to the current hash. (Raw SQL: UPDATE … FROM an unnest.) */
    async relinkEvents(r: CallerRelinks, callIds: readonly string[], version: number): Promise<void> {
      await q.query(
        `UPDATE call_events e SET caller_hash = m.current, caller_hash_key_version = $5
           FROM (${RELINK_PAIRS}) m
          WHERE e.call_id = ANY($4::uuid[]) AND e.caller_hash = m.old`,
        [r.old, r.versions, r.current, callIds, version],
      );
    },

    /**
     * Consultations under an old hash move to the current one (rows stored before versions were recorded count
     * as version 1). (Raw SQL: UPDATE … FROM an unnest.)
     */
    async relinkConsultations(r: CallerRelinks, version: number): Promise<void> {
      await q.query(
        `UPDATE consultations k SET caller_hash = m.current, caller_hash_key_version = $4
           FROM (${RELINK_PAIRS}) m
          WHERE k.caller_hash = m.old AND coalesce(k.caller_hash_key_version, 1) = m.version`,
        [r.old, r.versions, r.current, version],
      );
    },
  };
}
