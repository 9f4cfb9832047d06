import type { Caller } from './callers';
import type { Agenda } from './clock';
import type { PlannedEvent, Planner } from './plan';
import type { CallRecord, CallState, Counters, Outgoing } from './types';

/**
 * The calls of a run, from arrival to the last event: when each event goes out (on time, held back to arrive
 * late, twice), the hang-ups of a stop, and what the server accepted of each. Keeps the most recent
 * `keepCalls` calls and their event ids.
 */
export function createCallBook(deps: {
  planner: Pick<Planner, 'plan' | 'hangUp'>;
  agenda: Agenda;
  counters: Counters;
  /** Where events ready to be posted go. */
  outbox: Outgoing[];
  keepCalls: number;
}) {
  const { agenda, counters, outbox, keepCalls } = deps;
  const calls = new Map<string, CallState>();
  const eventIds: string[] = [];
  const accepted = new Set<string>();

  function arrive(t: number, caller: Caller) {
    const plan = deps.planner.plan(t, caller);
    const call: CallState = {
      plan,
      maxQueuedAt: Number.NEGATIVE_INFINITY,
      outOfOrder: false,
      offeredRequest: null,
      delivered: 0,
      hungUp: false,
      held: [],
    };
    counters.calls++;
    calls.set(plan.callId, call);
    if (calls.size > keepCalls) {
      const oldest = calls.keys().next().value;
      if (oldest !== undefined) calls.delete(oldest);
    }
    for (const pe of plan.events) agenda.plan(call, pe);
  }

  /** An event is due: send it now, or (while `holdBack`) hold it back to deliver it late. */
  function dispatch(call: CallState, pe: PlannedEvent, holdBack: boolean) {
    if (pe.delivery.late && holdBack) {
      const last = call.plan.events.indexOf(pe) === call.plan.events.length - 1;
      if (last) agenda.later(pe.delivery.lateDelayMs + 1000, () => queue(call, pe));
      else call.held.push(pe);
      return;
    }
    queue(call, pe);
  }

  function queue(call: CallState, pe: PlannedEvent) {
    if (pe.atMs < call.maxQueuedAt) {
      call.outOfOrder = true;
      counters.lateSent++;
    }
    call.maxQueuedAt = Math.max(call.maxQueuedAt, pe.atMs);
    outbox.push({ call, pe, copy: false });
    const dup = pe.delivery.duplicate;
    if (dup === 'same-request') outbox.push({ call, pe, copy: true });
    else if (typeof dup === 'number') agenda.later(dup, () => outbox.push({ call, pe, copy: true }));
    // Events held back until a later one of their call went out go out a moment after it.
    const held = call.held.filter((h) => h !== pe);
    call.held = [];
    for (const h of held) agenda.later(h.delivery.lateDelayMs, () => queue(call, h));
  }

  /** Every call still on the line is hung up at simulated time `now`. */
  function hangUp(open: Iterable<CallState>, now: number) {
    for (const call of new Set(open)) {
      call.hungUp = true;
      for (const pe of deps.planner.hangUp(call.plan, now)) queue(call, pe);
    }
  }

  /** Events held back go out now, in their order. */
  function releaseHeld() {
    for (const call of calls.values()) {
      const held = call.held;
      call.held = [];
      for (const pe of held) queue(call, pe);
    }
  }

  /** The server accepted `batch`, in request number `request`. */
  function delivered(batch: Outgoing[], request: number) {
    for (const b of batch) {
      const id = b.pe.event.eventId;
      if (accepted.has(id)) {
        counters.duplicatesSent++;
        continue;
      }
      accepted.add(id);
      eventIds.push(id);
      // A run of days stays small: the oldest ids go (their copies would count as new, harmlessly).
      if (eventIds.length > keepCalls * 8) {
        for (const old of eventIds.splice(0, keepCalls * 4)) accepted.delete(old);
      }
      counters.events++;
      b.call.delivered++;
      if (b.pe.event.type === 'call.offered') b.call.offeredRequest = request;
      if (b.call.delivered === b.call.plan.events.length) counters.callsComplete++;
    }
  }

  /** First copies in `batch` the server never accepted. */
  const lost = (batch: Outgoing[]) =>
    batch.filter((b) => !b.copy && !accepted.has(b.pe.event.eventId)).length;

  function records(): CallRecord[] {
    return [...calls.values()].map((c) => ({
      callId: c.plan.callId,
      callerKey: c.plan.caller.key,
      repeatCaller: c.plan.caller.repeat,
      expected: { ...c.plan.expected },
      outOfOrder: c.outOfOrder,
      offeredRequest: c.offeredRequest,
      delivered: c.delivered,
      planned: c.plan.events.length,
      hungUp: c.hungUp,
    }));
  }

  return {
    arrive,
    dispatch,
    hangUp,
    releaseHeld,
    delivered,
    lost,
    records,
    eventIds: () => [...eventIds],
  };
}

export type CallBook = ReturnType<typeof createCallBook>;
