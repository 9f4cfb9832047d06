/**
 * Exponential backoff: the one formula behind every retry loop in Korgon (the bridge's AMI reconnect and
 * poster, the console's queue sync, referral sends and consultation autosave). Each caller keeps its own
 * figures, with their reason, where it uses them. Pure: the random source is passed in, so a test can fix it.
 */
export interface Backoff {
  /** The delay before retry 0, before jitter. */
  baseMs: number;
  /** No delay exceeds this before jitter. */
  capMs: number;
  /**
   * The delay is drawn uniformly between these two factors of the capped delay; absent, it is exact.
   * A spread keeps many clients that failed together from retrying in lockstep.
   */
  jitter?: readonly [low: number, high: number];
}

/** Half fixed, half random: retries spread out, yet no delay collapses to zero. */
export const EQUAL_JITTER = [0.5, 1] as const;

/** The delay in whole milliseconds before retry number `attempt` (0 for the first): base·2^attempt, capped. */
export function backoffDelay(attempt: number, backoff: Backoff, random: () => number): number {
  // The exponent is bounded so that a long outage never computes Infinity·0 or a NaN.
  const exp = Math.min(backoff.capMs, backoff.baseMs * 2 ** Math.min(Math.max(attempt, 0), 30));
  if (!backoff.jitter) return Math.round(exp);
  const [low, high] = backoff.jitter;
  return Math.round(exp * (low + random() * (high - low)));
}
