import { type CallEventType, SHORT_ABANDON_SECONDS, type TelephonyEvent } from '@korgon/domain';
import type { Caller } from './callers';
import type { Random } from './random';

/**
 * The traffic model, free of I/O: a call is planned whole when it arrives. Callers queue first come, first
 * served for the operators' extensions (each takes `callsPerExtension` calls at a time, with a short pause
 * between calls); a caller who has waited longer than their patience hangs up. Talk times are log-normal.
 * Every event also carries how it will be delivered (late, twice), drawn from the same seeded stream, so one
 * seed gives the same traffic whatever the timing of the run.
 */

export interface PlanSettings {
  runId: string;
  line: string;
  /** The extensions that answer calls, e.g. the demo operators' 101, 102, 103. */
  extensions: readonly string[];
  /** Where calls are transferred to (e.g. a supervisor's 110); none: another answering extension. */
  transferTo: readonly string[];
  callsPerExtension: number;
  /** Median talk time (ms); log-normal. */
  talkMedianMs: number;
  /** Median patience of a waiting caller (ms); log-normal. */
  patienceMedianMs: number;
  /** Share of callers who hang up within SHORT_ABANDON_SECONDS (before anyone could answer). */
  shortAbandonShare: number;
  /** Share of answered calls transferred before they end. */
  transferShare: number;
  /** Share of events delivered late (after a later event of their call). */
  lateShare: number;
  /** Share of events delivered twice. */
  duplicateShare: number;
}

export const DEFAULT_PLAN: Omit<PlanSettings, 'runId' | 'line' | 'extensions' | 'transferTo'> = {
  callsPerExtension: 1,
  talkMedianMs: 180_000,
  patienceMedianMs: 90_000,
  shortAbandonShare: 0.1,
  transferShare: 0.07,
  lateShare: 0.05,
  duplicateShare: 0.04,
};

export interface Delivery {
  /** Hold this event back until a later event of its call was sent (or, for the last, a moment). */
  late: boolean;
  /** Real milliseconds a late event is held after that. */
  lateDelayMs: number;
  /** Send a second copy: in the same request, or this many real milliseconds later. */
  duplicate: null | 'same-request' | number;
}

export interface PlannedEvent {
  event: TelephonyEvent;
  /** Virtual time of the event (epoch ms). */
  atMs: number;
  delivery: Delivery;
}

export interface Expected {
  state: 'ended' | 'abandoned';
  /** The extension the call ends with (the transfer target when transferred). */
  extension: string | null;
  shortAbandoned: boolean;
  answered: boolean;
  transferred: boolean;
}

export interface PlannedCall {
  callId: string;
  caller: Caller;
  offeredAtMs: number;
  events: PlannedEvent[];
  expected: Expected;
}

const SHORT_MS = SHORT_ABANDON_SECONDS * 1000;
const clamp = (v: number, min: number, max: number) => Math.min(max, Math.max(min, v));
const suffix = (type: CallEventType) => type.slice('call.'.length);

export function createPlanner(rng: Random, s: PlanSettings) {
  if (s.extensions.length === 0) throw new Error('the simulator needs at least one answering extension');
  /** One seat per call an extension can hold at once; freeAt is virtual time. */
  const seats = s.extensions.flatMap((extension) =>
    Array.from({ length: Math.max(1, s.callsPerExtension) }, () => ({ extension, freeAt: 0 })),
  );
  let seq = 0;

  const delivery = (): Delivery => {
    const late = rng.chance(s.lateShare);
    const lateDelayMs = rng.uniform(200, 2500);
    const dup = rng.chance(s.duplicateShare);
    const duplicate = !dup ? null : rng.chance(0.5) ? 'same-request' : Math.round(rng.uniform(100, 3000));
    return { late, lateDelayMs, duplicate };
  };

  function event(
    callId: string,
    type: CallEventType,
    time: number,
    extra: Partial<TelephonyEvent> = {},
  ): PlannedEvent {
    // Whole milliseconds, as the ISO time carries them: expectations and the server see the same times.
    const atMs = Math.round(time);
    return {
      event: {
        eventId: `${callId}:${suffix(type)}`,
        callId,
        type,
        at: new Date(atMs).toISOString(),
        line: s.line,
        ...extra,
      },
      atMs,
      delivery: delivery(),
    };
  }

  return {
    /** Plans the call that arrives at `t` (virtual epoch ms). Calls must be planned in arrival order. */
    plan(arrival: number, caller: Caller): PlannedCall {
      const t = Math.round(arrival);
      seq += 1;
      const callId = `sim-${s.runId}-${String(seq).padStart(6, '0')}`;
      const shortPatience = rng.chance(s.shortAbandonShare);
      // Long patience stays well clear of the short-abandon limit, so the expectation is never a coin toss.
      const patience = shortPatience
        ? rng.uniform(800, SHORT_MS - 800)
        : clamp(rng.logNormal(s.patienceMedianMs, 0.8), SHORT_MS + 4000, 20 * 60_000);
      const ring = clamp(rng.logNormal(6000, 0.5), 2000, 30_000);
      const talk = clamp(rng.logNormal(s.talkMedianMs, 0.6), 20_000, 45 * 60_000);
      const hangupWithEnded = rng.chance(0.15);
      const transfer = rng.chance(s.transferShare);
      const transferAt = rng.uniform(0.3, 0.7);
      const pickupPause = rng.uniform(1000, 4000);
      const afterCallWork = rng.uniform(10_000, 60_000);

      // The seat that is free soonest; among seats free already, any.
      const free = seats.filter((x) => x.freeAt <= t + ring);
      const seat = free.length > 0 ? rng.pick(free) : seats.reduce((a, b) => (b.freeAt < a.freeAt ? b : a));
      const answerAt = Math.max(t + ring, seat.freeAt + pickupPause);

      const offered = event(callId, 'call.offered', t, caller.number ? { callerNumber: caller.number } : {});
      if (answerAt - t > patience) {
        const endAt = Math.round(t + patience);
        return {
          callId,
          caller,
          offeredAtMs: t,
          events: [offered, event(callId, hangupWithEnded ? 'call.ended' : 'call.abandoned', endAt)],
          expected: {
            state: 'abandoned',
            extension: null,
            shortAbandoned: endAt - t <= SHORT_MS,
            answered: false,
            transferred: false,
          },
        };
      }

      const events = [offered, event(callId, 'call.answered', answerAt, { extension: seat.extension })];
      let finalExtension = seat.extension;
      const endAt = Math.round(answerAt + talk);
      if (transfer && talk >= 60_000) {
        const targets =
          s.transferTo.length > 0 ? s.transferTo : s.extensions.filter((e) => e !== seat.extension);
        if (targets.length > 0) {
          const at = answerAt + talk * transferAt;
          finalExtension = rng.pick(targets);
          events.push(event(callId, 'call.transferred', at, { extension: finalExtension }));
          seat.freeAt = at + afterCallWork;
        }
      }
      if (finalExtension === seat.extension) seat.freeAt = endAt + afterCallWork;
      events.push(event(callId, 'call.ended', endAt));
      return {
        callId,
        caller,
        offeredAtMs: t,
        events,
        expected: {
          state: 'ended',
          extension: finalExtension,
          shortAbandoned: false,
          answered: true,
          transferred: finalExtension !== seat.extension,
        },
      };
    },

    /**
     * Hangs up a call at `now` (the simulator stops): the events after `now` are dropped and the call ends
     * there, abandoned when nobody had answered yet. Returns the events to send in their place.
     */
    hangUp(call: PlannedCall, now: number): PlannedEvent[] {
      const kept = call.events.filter((e) => e.atMs <= now);
      if (kept.length === call.events.length) return [];
      const answered = kept.find((e) => e.event.type === 'call.answered');
      const transferred = kept.filter((e) => e.event.type === 'call.transferred').at(-1);
      const at = Math.max(now, ...kept.map((e) => e.atMs));
      const end = event(call.callId, answered ? 'call.ended' : 'call.abandoned', at);
      end.delivery = { late: false, lateDelayMs: 0, duplicate: null };
      call.events = [...kept, end];
      call.expected = answered
        ? {
            state: 'ended',
            extension: transferred?.event.extension ?? answered.event.extension ?? null,
            shortAbandoned: false,
            answered: true,
            transferred: Boolean(transferred),
          }
        : {
            state: 'abandoned',
            extension: null,
            shortAbandoned: at - call.offeredAtMs <= SHORT_MS,
            answered: false,
            transferred: false,
          };
      return [end];
    },
  };
}
export type Planner = ReturnType<typeof createPlanner>;
