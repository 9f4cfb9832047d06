/** Exponential backoff with jitter, shared by the AMI reconnect loop and the Korgon poster. */
export interface Backoff {
  /** The first delay, before jitter. */
  baseMs: number;
  /** No delay exceeds this. */
  capMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { baseMs: 1_000, capMs: 30_000 };

/**
 * The delay before retry number `attempt` (0 for the first retry): base·2^attempt, capped, then "equal jitter"
 * (half fixed, half random) so that many bridges restarted together do not retry in lockstep, yet no delay
 * collapses to zero.
 */
export function backoffDelay(attempt: number, backoff: Backoff, random: () => number = Math.random): number {
  const exp = Math.min(backoff.capMs, backoff.baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(exp / 2 + random() * (exp / 2));
}
