/**
 * Where "now" comes from, for computing due times, raise times and job delays. Production uses the system
 * clock; a test gives the server and the worker one clock it can move forward (tooling/dev `shiftedClock`),
 * so that a follow-up due in 25 days can be raised in a test without waiting.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/**
 * The wall-clock instant at which something due at `at` (in the clock's time) is reached: what a BullMQ delay,
 * which always runs on the machine's own time, must aim at.
 */
export function wallTimeOf(clock: Clock, at: Date): Date {
  return new Date(Date.now() + (at.getTime() - clock.now().getTime()));
}
