import {
  type ActiveCallsBody,
  type ActiveCallsResult,
  type Clock,
  deriveCall,
  REPEAT_CALLER_DAYS,
  systemClock,
  type TelephonyEvent,
  type TelephonyResult,
} from '@korgon/domain';
import {
  type CallLimits,
  closeLostCalls,
  type LiveSink,
  openCallConsultation,
  type PendingChanges,
  renewLostDeadlines,
  setOperatorStatus,
  withQueueTransaction,
} from '@korgon/queue';
import { type CallerKeyring, callerHash, matchingOldKeys } from '@korgon/signing';
import type pg from 'pg';

interface StoredEvent {
  call_id: string;
  event_id: string;
  type: TelephonyEvent['type'];
  at: Date;
  extension: string | null;
  caller_hash: string | null;
  caller_hash_key_version: number | null;
}

interface CallRow {
  id: string;
  state: string;
  offered_at: Date | null;
  answered_at: Date | null;
  ended_at: Date | null;
  short_abandoned: boolean;
  extension: string | null;
  caller_hash: string | null;
  caller_hash_key_version: number | null;
  operator_id: string | null;
}

const ms = (d: Date | null) => (d ? d.getTime() : null);

export interface TelephonySettings {
  /** CALLER_HMAC_KEY and its version, and the old keys with the day each was retired (docs/security.md "Key rotation"). */
  callerKeys: CallerKeyring;
  wrapUpSeconds: number;
  callLimits: CallLimits;
  /** When "now" is for an old caller key's 90 days of matching (the system clock unless a test moves its own). */
  clock?: Clock;
}

/**
 * Ingests PBX events: the caller's number becomes a keyed HMAC here and goes no further; events are stored
 * once (by eventId); each touched call's state is derived again from all its events, so arrival order
 * does not matter; operators follow their calls (on call, then wrap-up).
 */
export function createTelephonyService(pool: pg.Pool, sink: LiveSink, settings: TelephonySettings) {
  const currentKey = settings.callerKeys.current;
  const clock = settings.clock ?? systemClock;
  const hashNumber = (n: string) => callerHash(currentKey.key, n);

  return {
    hashNumber,

    async ingest(events: readonly TelephonyEvent[]): Promise<TelephonyResult> {
      const rows = events.map((e) => ({
        eventId: e.eventId,
        callId: e.callId,
        type: e.type,
        at: e.at,
        line: e.line,
        extension: e.extension ?? null,
        callerHash: e.callerNumber ? hashNumber(e.callerNumber) : null,
      }));
      // After a rotation of the caller key, this batch's callers' earlier calls may carry an old key's hash:
      // each old key still matching (retired less than 90 days ago) hashes the numbers again, here, while they
      // are in hand; the records found are moved to the current hash, so every later match (prior contacts,
      // the caller's history) finds them. The numbers go no further than this.
      const relinks = relinksOf(events.map((e) => e.callerNumber));
      return withQueueTransaction(pool, sink, async (client, pending) => {
        if (relinks.old.length > 0) await relink(client, relinks);
        // Sorted, so concurrent batches lock the same calls in the same order.
        const lines = new Map<string, string>();
        for (const r of [...rows].sort((a, b) => (a.callId < b.callId ? -1 : a.callId > b.callId ? 1 : 0))) {
          if (!lines.has(r.callId)) lines.set(r.callId, r.line);
        }
        await client.query(
          `INSERT INTO calls (external_id, line) SELECT * FROM unnest($1::text[], $2::text[])
           ON CONFLICT (external_id) DO NOTHING`,
          [[...lines.keys()], [...lines.values()]],
        );
        const ids = await client.query<{ id: string; external_id: string }>(
          'SELECT id, external_id FROM calls WHERE external_id = ANY($1::text[])',
          [[...lines.keys()]],
        );
        const idOf = new Map(ids.rows.map((r) => [r.external_id, r.id]));
        const stored = await client.query<{ call_id: string }>(
          `INSERT INTO call_events (event_id, call_id, type, at, extension, caller_hash, caller_hash_key_version)
           SELECT e.*, CASE WHEN e.hash IS NULL THEN NULL ELSE $7::int END
             FROM unnest($1::text[], $2::uuid[], $3::text[], $4::timestamptz[], $5::text[], $6::text[])
                  AS e(event_id, call_id, type, at, extension, hash)
           ON CONFLICT (event_id) DO NOTHING RETURNING call_id`,
          [
            rows.map((r) => r.eventId),
            rows.map((r) => idOf.get(r.callId)),
            rows.map((r) => r.type),
            rows.map((r) => r.at),
            rows.map((r) => r.extension),
            rows.map((r) => r.callerHash),
            currentKey.version,
          ],
        );
        const touched = [...new Set(stored.rows.map((r) => r.call_id))];
        if (touched.length > 0) {
          await rederive(client, touched, pending);
          // Heard from: each call still on the line counts as lost only after a new silence.
          await renewLostDeadlines(client, pending, touched, settings.callLimits);
        }
        return {
          received: events.length,
          stored: stored.rowCount ?? 0,
          duplicates: events.length - (stored.rowCount ?? 0),
        };
      });
    },

    /**
     * The PBX's list of the calls on the line: every other call Korgon holds as waiting or answered is closed
     * as lost. Calls first heard of after `at` are kept (their events may have overtaken the list).
     */
    async activeCalls(body: ActiveCallsBody): Promise<ActiveCallsResult> {
      const active = [...new Set(body.callIds)];
      return withQueueTransaction(pool, sink, async (client, pending) => {
        const stale = await client.query<{ id: string }>(
          `SELECT id FROM calls
            WHERE state IN ('waiting', 'answered') AND NOT (external_id = ANY($1::text[]))
              AND ($2::timestamptz IS NULL OR created_at <= $2::timestamptz)
            ORDER BY id`,
          [active, body.at ?? null],
        );
        const closed = await closeLostCalls(
          client,
          pending,
          stale.rows.map((r) => r.id),
          { wrapUpSeconds: settings.wrapUpSeconds },
        );
        return { active: active.length, closed: closed.length };
      });
    },
  };

  /** The old hashes of a batch's numbers under each old key still matching, and the current hash each becomes. */
  function relinksOf(numbers: readonly (string | undefined | null)[]) {
    const out = { old: [] as string[], versions: [] as number[], current: [] as string[] };
    const keys = matchingOldKeys(settings.callerKeys, clock.now());
    if (keys.length === 0) return out;
    for (const n of new Set(numbers.filter((x): x is string => Boolean(x)))) {
      const now = hashNumber(n);
      for (const k of keys) {
        out.old.push(callerHash(k.key, n));
        out.versions.push(k.version);
        out.current.push(now);
      }
    }
    return out;
  }

  /**
   * Moves the calls, call events and consultations stored under an old key's hash of these numbers to the
   * current key's hash and version (rows stored before versions were recorded count as version 1). Calls are
   * locked in id order first, as every batch locks them, so concurrent batches do not deadlock.
   */
  async function relink(client: pg.PoolClient, r: ReturnType<typeof relinksOf>) {
    const pairs = `SELECT * FROM unnest($1::text[], $2::int[], $3::text[]) AS m(old, version, current)`;
    const args = [r.old, r.versions, r.current];
    const calls = await client.query<{ id: string }>(
      `SELECT c.id FROM calls c JOIN (${pairs}) m
          ON c.caller_hash = m.old AND coalesce(c.caller_hash_key_version, 1) = m.version
        ORDER BY c.id FOR UPDATE OF c`,
      args,
    );
    if (calls.rows.length > 0) {
      const ids = calls.rows.map((c) => c.id);
      await client.query(
        `UPDATE calls c SET caller_hash = m.current, caller_hash_key_version = $5
           FROM (${pairs}) m
          WHERE c.id = ANY($4::uuid[]) AND c.caller_hash = m.old`,
        [...args, ids, currentKey.version],
      );
      await client.query(
        `UPDATE call_events e SET caller_hash = m.current, caller_hash_key_version = $5
           FROM (${pairs}) m
          WHERE e.call_id = ANY($4::uuid[]) AND e.caller_hash = m.old`,
        [...args, ids, currentKey.version],
      );
    }
    await client.query(
      `UPDATE consultations k SET caller_hash = m.current, caller_hash_key_version = $4
         FROM (${pairs}) m
        WHERE k.caller_hash = m.old AND coalesce(k.caller_hash_key_version, 1) = m.version`,
      [...args, currentKey.version],
    );
  }

  async function rederive(client: pg.PoolClient, callIds: string[], pending: PendingChanges) {
    const [evs, current] = await Promise.all([
      client.query<StoredEvent>(
        `SELECT call_id, event_id, type, at, extension, caller_hash, caller_hash_key_version
           FROM call_events WHERE call_id = ANY($1::uuid[])`,
        [callIds],
      ),
      client.query<CallRow>(
        `SELECT id, state, offered_at, answered_at, ended_at, short_abandoned, extension, caller_hash,
                caller_hash_key_version, operator_id
           FROM calls WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
        [callIds],
      ),
    ]);
    // The version of the key that made each hash, from the events that carry it.
    const hashVersion = new Map(evs.rows.map((e) => [e.caller_hash, e.caller_hash_key_version]));
    const effects: { userId: string; callId: string; status: 'on_call' | 'wrap_up' }[] = [];
    const drafts: { callId: string; operatorId: string }[] = [];
    const counted: string[] = [];
    const byCall = new Map<string, StoredEvent[]>();
    for (const e of evs.rows) byCall.set(e.call_id, [...(byCall.get(e.call_id) ?? []), e]);
    for (const call of current.rows) {
      const d = deriveCall(
        (byCall.get(call.id) ?? []).map((e) => ({
          eventId: e.event_id,
          type: e.type,
          at: e.at.getTime(),
          extension: e.extension,
          callerHash: e.caller_hash,
        })),
        // Lost stands until a real end arrives (see deriveCall).
        { lost: call.state === 'lost' },
      );
      const same =
        d.state === call.state &&
        d.offeredAt === ms(call.offered_at) &&
        d.answeredAt === ms(call.answered_at) &&
        d.endedAt === ms(call.ended_at) &&
        d.shortAbandoned === call.short_abandoned &&
        d.extension === call.extension &&
        d.callerHash === call.caller_hash;
      if (same) continue;
      // The answering extension names the operator, unless someone took the call in the console already.
      // (An answer and its end may arrive in one batch: the call is then ended already, but was answered.)
      let operatorId = call.operator_id;
      const answeredNow = d.answeredAt !== null && call.answered_at === null;
      // (Not for a call closed as lost: a late answer does not reopen it, nor put anyone on call.)
      const lost = d.state === 'lost';
      if (!operatorId && d.extension && answeredNow && !lost) {
        const u = await client.query<{ id: string }>('SELECT id FROM users WHERE extension = $1 AND active', [
          d.extension,
        ]);
        operatorId = u.rows[0]?.id ?? null;
        // Answered at her phone: her consultation draft is opened now, in this transaction, so every console
        // sees it at once (and the one the console may open later is this same one).
        if (operatorId) drafts.push({ callId: call.id, operatorId });
      }
      if (d.callerHash !== null && (call.caller_hash === null || d.offeredAt !== ms(call.offered_at)))
        counted.push(call.id);
      await client.query(
        `UPDATE calls SET state = $2, offered_at = $3, answered_at = $4, ended_at = $5, short_abandoned = $6,
                extension = $7, caller_hash = $8, operator_id = $9, caller_hash_key_version = $10, updated_at = now()
          WHERE id = $1`,
        [
          call.id,
          d.state,
          d.offeredAt === null ? null : new Date(d.offeredAt),
          d.answeredAt === null ? null : new Date(d.answeredAt),
          d.endedAt === null ? null : new Date(d.endedAt),
          d.shortAbandoned,
          d.extension,
          d.callerHash,
          operatorId,
          d.callerHash === null ? null : (hashVersion.get(d.callerHash) ?? null),
        ],
      );
      pending.calls.add(call.id);
      if (operatorId && answeredNow && !lost) {
        effects.push({ userId: operatorId, callId: call.id, status: 'on_call' });
      }
      const over = d.state === 'ended' || d.state === 'abandoned' || d.state === 'transferred';
      // A lost call's operator has moved on already; its late end changes the call, not her.
      if (operatorId && over && call.state !== d.state && call.state !== 'lost')
        effects.push({ userId: operatorId, callId: call.id, status: 'wrap_up' });
    }
    for (const draft of drafts) await openCallConsultation(client, draft.callId, draft.operatorId);
    // Repeat contacts, counted once every call of the batch has its number's hash and its time, so the order
    // the calls were processed in does not matter.
    if (counted.length > 0) {
      await client.query(
        `UPDATE calls c SET prior_contacts = (
           SELECT count(*) FROM calls p
            WHERE p.caller_hash = c.caller_hash AND p.id <> c.id
              AND p.offered_at >= c.offered_at - make_interval(days => $2) AND p.offered_at <= c.offered_at)
          WHERE c.id = ANY($1::uuid[])`,
        [counted, REPEAT_CALLER_DAYS],
      );
    }
    // Operators follow their calls, applied in one order (by operator, then time) so that concurrent batches
    // lock operator rows in the same order and never deadlock.
    effects.sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
    for (const e of effects) {
      if (e.status === 'on_call')
        await setOperatorStatus(client, pending, e.userId, 'on_call', { callId: e.callId });
      else {
        await setOperatorStatus(client, pending, e.userId, 'wrap_up', {
          callId: e.callId,
          wrapUpSeconds: settings.wrapUpSeconds,
          onlyIf: ['on_call'],
          onlyIfCall: e.callId,
        });
      }
    }
  }
}
export type TelephonyService = ReturnType<typeof createTelephonyService>;
