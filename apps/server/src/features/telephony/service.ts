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
  type CallerRelinks,
  type CallLimits,
  closeLostCalls,
  type LiveSink,
  lockCalls,
  openCallConsultation,
  type PendingChanges,
  recordCalls,
  recountPriorContacts,
  relinkCalls,
  renewLostDeadlines,
  setOperatorStatus,
  staleOpenCalls,
  withQueueTransaction,
  writeDerivedCall,
} from '@korgon/queue';
import { type CallerKeyring, callerHash, matchingOldKeys } from '@korgon/signing';
import type pg from 'pg';
import { type CallEventRow, createTelephonyRepository } from './repository';

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
        const idOf = await recordCalls(client, lines);
        const storedCalls = await createTelephonyRepository(client).storeEvents(
          rows.map((r) => ({ ...r, callId: idOf.get(r.callId) })),
          currentKey.version,
        );
        const touched = [...new Set(storedCalls)];
        if (touched.length > 0) {
          await rederive(client, touched, pending);
          // Heard from: each call still on the line counts as lost only after a new silence.
          await renewLostDeadlines(client, pending, touched, settings.callLimits);
        }
        return {
          received: events.length,
          stored: storedCalls.length,
          duplicates: events.length - storedCalls.length,
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
        const stale = await staleOpenCalls(client, active, body.at ?? null);
        const closed = await closeLostCalls(client, pending, stale, {
          wrapUpSeconds: settings.wrapUpSeconds,
        });
        return { active: active.length, closed: closed.length };
      });
    },
  };

  /** The old hashes of a batch's numbers under each old key still matching, and the current hash each becomes. */
  function relinksOf(numbers: readonly (string | undefined | null)[]): CallerRelinks {
    const out: CallerRelinks = { old: [], versions: [], current: [] };
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
   * current key's hash and version. Calls first (locked in id order, as every batch locks them, so concurrent
   * batches do not deadlock), then their events.
   */
  async function relink(client: pg.PoolClient, r: CallerRelinks) {
    const repo = createTelephonyRepository(client);
    const ids = await relinkCalls(client, r, currentKey.version);
    if (ids.length > 0) await repo.relinkEvents(r, ids, currentKey.version);
    await repo.relinkConsultations(r, currentKey.version);
  }

  async function rederive(client: pg.PoolClient, callIds: string[], pending: PendingChanges) {
    const repo = createTelephonyRepository(client);
    const [evs, current] = await Promise.all([repo.eventsOf(callIds), lockCalls(client, callIds)]);
    // The version of the key that made each hash, from the events that carry it.
    const hashVersion = new Map(evs.map((e) => [e.callerHash, e.callerHashKeyVersion]));
    const effects: { userId: string; callId: string; status: 'on_call' | 'wrap_up' }[] = [];
    const drafts: { callId: string; operatorId: string }[] = [];
    const counted: string[] = [];
    const byCall = new Map<string, CallEventRow[]>();
    for (const e of evs) byCall.set(e.callId, [...(byCall.get(e.callId) ?? []), e]);
    for (const call of current) {
      const d = deriveCall(
        (byCall.get(call.id) ?? []).map((e) => ({
          eventId: e.eventId,
          type: e.type,
          at: e.at.getTime(),
          extension: e.extension,
          callerHash: e.callerHash,
        })),
        // Lost stands until a real end arrives (see deriveCall).
        { lost: call.state === 'lost' },
      );
      const same =
        d.state === call.state &&
        d.offeredAt === ms(call.offeredAt) &&
        d.answeredAt === ms(call.answeredAt) &&
        d.endedAt === ms(call.endedAt) &&
        d.shortAbandoned === call.shortAbandoned &&
        d.extension === call.extension &&
        d.callerHash === call.callerHash;
      if (same) continue;
      // The answering extension names the operator, unless someone took the call in the console already.
      // (An answer and its end may arrive in one batch: the call is then ended already, but was answered.)
      let operatorId = call.operatorId;
      const answeredNow = d.answeredAt !== null && call.answeredAt === null;
      // (Not for a call closed as lost: a late answer does not reopen it, nor put anyone on call.)
      const lost = d.state === 'lost';
      if (!operatorId && d.extension && answeredNow && !lost) {
        operatorId = (await repo.userAtExtension(d.extension)) ?? null;
        // Answered at her phone: her consultation draft is opened now, in this transaction, so every console
        // sees it at once (and the one the console may open later is this same one).
        if (operatorId) drafts.push({ callId: call.id, operatorId });
      }
      if (d.callerHash !== null && (call.callerHash === null || d.offeredAt !== ms(call.offeredAt)))
        counted.push(call.id);
      await writeDerivedCall(client, call.id, {
        state: d.state,
        offeredAt: d.offeredAt === null ? null : new Date(d.offeredAt),
        answeredAt: d.answeredAt === null ? null : new Date(d.answeredAt),
        endedAt: d.endedAt === null ? null : new Date(d.endedAt),
        shortAbandoned: d.shortAbandoned,
        extension: d.extension,
        callerHash: d.callerHash,
        operatorId,
        callerHashKeyVersion: d.callerHash === null ? null : (hashVersion.get(d.callerHash) ?? null),
      });
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
    if (counted.length > 0) await recountPriorContacts(client, counted, REPEAT_CALLER_DAYS);
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
