import type { Clock } from '@korgon/domain';

/** A clock a test can move forward: give the same one to the test's server and worker. */
export interface ShiftedClock extends Clock {
  /** How far ahead of the machine's own time it runs (ms). */
  readonly offsetMs: number;
  /** Moves it forward (or back) by `ms`. */
  shift(ms: number): void;
  /** Sets it to `at` from now on (it keeps running from there). */
  set(at: Date): void;
}

export function shiftedClock(offsetMs = 0): ShiftedClock {
  let offset = offsetMs;
  return {
    now: () => new Date(Date.now() + offset),
    get offsetMs() {
      return offset;
    },
    shift(ms) {
      offset += ms;
    },
    set(at) {
      offset = at.getTime() - Date.now();
    },
  };
}
