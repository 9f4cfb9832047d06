import { createHash } from 'node:crypto';
import type { CallEventType, TelephonyEvent } from '@korgon/domain';
import type { AmiMessage } from './ami';
import {
  asExtension,
  extensionFromChannel,
  extensionFromInterface,
  firstExtension,
  toE164,
} from './normalise';

/** A queue call the bridge follows: the caller's channel (its Uniqueid is the callId) and the queue. */
interface TrackedCall {
  callId: string;
  linkedId: string | undefined;
  line: string;
  /** Every Uniqueid/Linkedid seen for the call (caller, members), for finding it from transfer events. */
  ids: Set<string>;
}

/**
 * Turns app_queue AMI events into Korgon telephony events, following each queue call from QueueCallerJoin to
 * the hangup of the caller's channel. Pure apart from its own state: no clock (the receive time is passed
 * in), no I/O, so the same messages always give the same events.
 *
 *   QueueCallerJoin            → call.offered     (callId = Uniqueid, line = Queue, callerNumber = E.164)
 *   AgentConnect               → call.answered    (extension from Interface, MemberName or DestChannel)
 *   QueueCallerAbandon         → call.abandoned
 *   BlindTransfer / AttendedTransfer (Result: Success) of a followed call → call.transferred (the target)
 *   Hangup of the caller's channel (Uniqueid = callId or the call's Linkedid) → call.ended, once; then forgotten
 *   QueueCallerLeave and everything else → nothing
 *
 * A member channel's hangup does not end the call: with `ringall` the members that lost the race hang up when
 * another answers, and after a transfer the transferring operator hangs up while the caller talks on.
 */
export class CallTracker {
  readonly #calls = new Map<string, TrackedCall>();
  readonly #byId = new Map<string, TrackedCall>();

  /** At most this many calls are followed; the oldest is forgotten first (a hangup missed during an outage). */
  constructor(private readonly maxCalls = 10_000) {}

  get size(): number {
    return this.#calls.size;
  }

  map(m: AmiMessage, receivedAt: Date): TelephonyEvent | null {
    switch (m.event) {
      case 'QueueCallerJoin': {
        const call = this.#follow(m);
        return (
          call && this.#event(m, call, 'call.offered', receivedAt, { callerNumber: toE164(m.calleridnum) })
        );
      }
      case 'AgentConnect': {
        const call = this.#follow(m);
        if (!call) return null;
        if (m.destuniqueid) this.#index(call, m.destuniqueid);
        const extension =
          extensionFromInterface(m.interface) ??
          asExtension(m.membername) ??
          extensionFromChannel(m.destchannel);
        return this.#event(m, call, 'call.answered', receivedAt, { extension });
      }
      case 'QueueCallerAbandon': {
        const call = this.#follow(m);
        return call && this.#event(m, call, 'call.abandoned', receivedAt, {});
      }
      case 'Hangup': {
        const call = m.uniqueid === undefined ? undefined : this.#byId.get(m.uniqueid);
        if (!call || (m.uniqueid !== call.callId && m.uniqueid !== call.linkedId)) return null;
        this.#forget(call);
        return this.#event(m, call, 'call.ended', receivedAt, {});
      }
      case 'BlindTransfer': {
        const call = m.result === 'Success' ? this.#find(m, ['Transferee', 'Transferer']) : undefined;
        return call
          ? this.#event(m, call, 'call.transferred', receivedAt, { extension: asExtension(m.extension) })
          : null;
      }
      case 'AttendedTransfer': {
        const roles = ['Transferee', 'OrigTransferer', 'SecondTransferer', 'TransferTarget'];
        const call = m.result === 'Success' ? this.#find(m, roles) : undefined;
        if (!call) return null;
        // The target is whom the operator's second call reached: its connected line, the number dialled,
        // or the target channel's device.
        const extension = firstExtension(
          m.secondtransfererconnectedlinenum,
          m.secondtransfererexten,
          extensionFromChannel(m.transfertargetchannel),
        );
        return this.#event(m, call, 'call.transferred', receivedAt, { extension });
      }
      default:
        return null;
    }
  }

  /**
   * Asterisk's list of channels (CoreShowChannels) after a (re)connect: the ids of every call still on the
   * line (each channel's Uniqueid and Linkedid; a followed call's callId is its caller's Uniqueid). Followed
   * calls not on the list are forgotten (their hangup was missed during the outage), and callers waiting in
   * a queue that are not followed yet (the bridge restarted) are followed, so their hangup still ends them.
   */
  activeCalls(channels: readonly AmiMessage[]): string[] {
    const active = new Set<string>();
    for (const c of channels) {
      if (c.uniqueid) active.add(c.uniqueid);
      if (c.linkedid) active.add(c.linkedid);
    }
    for (const call of [...this.#calls.values()]) {
      if (!active.has(call.callId) && !(call.linkedId && active.has(call.linkedId))) this.#forget(call);
    }
    for (const c of channels) {
      const queue = c.application === 'Queue' ? c.applicationdata?.split(',')[0]?.trim() : undefined;
      // The caller's channel runs Queue(); a member's runs AppQueue.
      if (queue && c.uniqueid) this.#follow({ ...c, queue });
    }
    return [...active].sort();
  }

  /** The call of a queue event (the caller's Uniqueid), followed from now on if it was not already. */
  #follow(m: AmiMessage): TrackedCall | null {
    const callId = m.uniqueid || m.linkedid;
    if (!callId || !m.queue) return null;
    const known = this.#calls.get(callId);
    if (known) return known;
    const call: TrackedCall = { callId, linkedId: m.linkedid || undefined, line: m.queue, ids: new Set() };
    this.#calls.set(callId, call);
    this.#index(call, callId);
    if (call.linkedId) this.#index(call, call.linkedId);
    if (this.#calls.size > this.maxCalls) {
      const oldest = this.#calls.values().next().value;
      if (oldest) this.#forget(oldest);
    }
    return call;
  }

  /** The first followed call named by `<Role>Uniqueid` or `<Role>Linkedid`, roles in order. */
  #find(m: AmiMessage, roles: string[]): TrackedCall | undefined {
    for (const role of roles) {
      for (const suffix of ['uniqueid', 'linkedid']) {
        const id = m[`${role.toLowerCase()}${suffix}`];
        const call = id === undefined ? undefined : this.#byId.get(id);
        if (call) return call;
      }
    }
    return undefined;
  }

  #index(call: TrackedCall, id: string): void {
    if (this.#byId.has(id)) return; // first call wins a shared id
    this.#byId.set(id, call);
    call.ids.add(id);
  }

  #forget(call: TrackedCall): void {
    this.#calls.delete(call.callId);
    for (const id of call.ids) if (this.#byId.get(id) === call) this.#byId.delete(id);
  }

  #event(
    m: AmiMessage,
    call: TrackedCall,
    type: CallEventType,
    receivedAt: Date,
    extra: { callerNumber?: string | undefined; extension?: string | undefined },
  ): TelephonyEvent {
    const event: TelephonyEvent = {
      eventId: eventIdOf(m, call.callId),
      callId: call.callId,
      type,
      at: eventTime(m, receivedAt),
      line: call.line,
    };
    if (extra.callerNumber !== undefined) event.callerNumber = extra.callerNumber;
    if (extra.extension !== undefined) event.extension = extra.extension;
    return event;
  }
}

/** The event's own time (`Timestamp:`, with manager.conf timestampevents=yes), else when it was received. */
export function eventTime(m: AmiMessage, receivedAt: Date): string {
  const ts = m.timestamp;
  if (ts !== undefined && /^\d{9,12}(\.\d+)?$/.test(ts))
    return new Date(Math.round(Number(ts) * 1000)).toISOString();
  return receivedAt.toISOString();
}

/**
 * `ami:<callId>:<Event>:<stamp>`: the same AMI event always gives the same id (Korgon ignores the repeat),
 * distinct events give distinct ids. The stamp is the Timestamp header, else the SequenceNumber, else a
 * digest of the whole message; an id over Korgon's 128 characters is replaced by its digest.
 */
export function eventIdOf(m: AmiMessage, callId: string): string {
  const stamp = m.timestamp ?? m.sequencenumber ?? digest(JSON.stringify(Object.entries(m).sort()));
  const id = `ami:${callId}:${m.event}:${stamp}`;
  return id.length <= 128 ? id : `ami:${digest(id)}`;
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}
