import type { CallEventType } from '../telephony/events';
import { SHORT_ABANDON_SECONDS } from '../telephony/events';
import type { CallState } from './schemas';

export interface DerivableEvent {
  eventId: string;
  type: CallEventType;
  /** Epoch milliseconds. */
  at: number;
  extension?: string | null;
  callerHash?: string | null;
}

export interface DerivedCall {
  state: CallState;
  offeredAt: number | null;
  answeredAt: number | null;
  endedAt: number | null;
  shortAbandoned: boolean;
  extension: string | null;
  callerHash: string | null;
}

/** When two events carry the same time, the one later in a call's life counts as later. */
const RANK: Record<CallEventType, number> = {
  'call.offered': 0,
  'call.answered': 1,
  'call.transferred': 2,
  'call.abandoned': 3,
  'call.ended': 4,
};

export function compareEvents(a: DerivableEvent, b: DerivableEvent): number {
  return (
    a.at - b.at || RANK[a.type] - RANK[b.type] || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0)
  );
}

export interface DeriveOptions {
  /**
   * Korgon closed the call as lost (no event for too long, or not in the PBX's list of active calls). Lost is
   * not an event: it stands until a real end arrives. A late `call.ended`, `call.abandoned` or
   * `call.transferred` wins (it is the truth); a late offer or answer leaves the call lost (a call the PBX
   * says is gone is not reopened), but its times are kept.
   */
  lost?: boolean;
}

/**
 * A call's state is a fold over its events in time order, so events that arrive late or twice end in the
 * same state as events that arrive in order. A call that ends without being answered is abandoned; within
 * SHORT_ABANDON_SECONDS of waiting it is short-abandoned. Once ended or abandoned, a call stays so.
 */
export function deriveCall(events: readonly DerivableEvent[], opts: DeriveOptions = {}): DerivedCall {
  const sorted = [...events].sort(compareEvents);
  const d: DerivedCall = {
    state: 'waiting',
    offeredAt: null,
    answeredAt: null,
    endedAt: null,
    shortAbandoned: false,
    extension: null,
    callerHash: null,
  };
  for (const e of sorted) {
    if (e.callerHash && !d.callerHash) d.callerHash = e.callerHash;
    if (d.state === 'ended' || d.state === 'abandoned') continue;
    switch (e.type) {
      case 'call.offered':
        d.offeredAt ??= e.at;
        break;
      case 'call.answered':
        d.state = 'answered';
        d.answeredAt ??= e.at;
        d.extension = e.extension ?? d.extension;
        break;
      case 'call.transferred':
        d.state = 'transferred';
        d.extension = e.extension ?? d.extension;
        break;
      case 'call.abandoned':
        d.state = 'abandoned';
        d.endedAt = e.at;
        break;
      case 'call.ended':
        d.state = d.answeredAt !== null || d.state === 'transferred' ? 'ended' : 'abandoned';
        d.endedAt = e.at;
        break;
    }
  }
  // The first event seen stands in for the offer when the PBX never sent one.
  d.offeredAt ??= sorted[0]?.at ?? null;
  if (opts.lost && (d.state === 'waiting' || d.state === 'answered')) d.state = 'lost';
  if (d.state === 'abandoned' && d.offeredAt !== null && d.endedAt !== null) {
    d.shortAbandoned = d.endedAt - d.offeredAt <= SHORT_ABANDON_SECONDS * 1000;
  }
  return d;
}
