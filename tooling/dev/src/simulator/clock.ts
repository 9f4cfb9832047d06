import { MinHeap } from './heap';
import type { PlannedEvent } from './plan';
import type { CallState } from './types';

interface Scheduled {
  atMs: number;
  order: number;
  call: CallState;
  pe: PlannedEvent;
}

interface Timed {
  releaseAt: number;
  order: number;
  run: () => void;
}

/**
 * The simulator's two agendas: planned events by simulated time (the model's), and deliveries held back by
 * real time (late events, second copies). Entries due at the same instant keep the order they were added in.
 */
export function createAgenda() {
  let order = 0;
  const scheduled = new MinHeap<Scheduled>((a, b) => (a.atMs - b.atMs || a.order - b.order) < 0);
  const timed = new MinHeap<Timed>((a, b) => (a.releaseAt - b.releaseAt || a.order - b.order) < 0);
  return {
    /** A planned event of `call`, due at simulated time `atMs`. */
    plan(call: CallState, pe: PlannedEvent) {
      scheduled.push({ atMs: pe.atMs, order: order++, call, pe });
    },
    /** Runs `run` after `delayMs` of real time. */
    later(delayMs: number, run: () => void) {
      timed.push({ releaseAt: Date.now() + delayMs, order: order++, run });
    },
    /** Takes every planned event due by simulated time `now`, in order. */
    *due(now: number): Generator<{ call: CallState; pe: PlannedEvent }> {
      for (let s = scheduled.peek(); s && s.atMs <= now; s = scheduled.peek()) {
        scheduled.pop();
        yield s;
      }
    },
    /** Runs what is due by real time `real`. */
    release(real: number) {
      for (let t = timed.peek(); t && t.releaseAt <= real; t = timed.peek()) {
        timed.pop();
        t.run();
      }
    },
    /** Takes every planned event still ahead, whatever its time. */
    drainPlanned(): CallState[] {
      return scheduled.drain().map((s) => s.call);
    },
    /** Runs everything held back, now, in its order. */
    releaseAll() {
      for (let t = timed.pop(); t; t = timed.pop()) t.run();
    },
  };
}

export type Agenda = ReturnType<typeof createAgenda>;

/** Simulated time: `speed` times real time, from a start that may lie in the past (see SimulatorOptions.speed). */
export function createClock(speed: number) {
  let realStart = 0;
  let virtualStart = 0;
  return {
    /** Starts the clock now; `backdateMs` of simulated time lie before it. */
    start(backdateMs = 0) {
      realStart = Date.now();
      virtualStart = realStart - backdateMs;
    },
    get realStart() {
      return realStart;
    },
    get virtualStart() {
      return virtualStart;
    },
    now: (real = Date.now()) => virtualStart + (real - realStart) * speed,
  };
}
