import { type Backoff, EQUAL_JITTER } from '@korgon/domain';

/**
 * The bridge's retry figures (the formula is @korgon/domain's backoffDelay): 1 s first, so a blip heals at
 * once; at most 30 s, so the line's calls reach Korgon soon after Asterisk or the server is back; equal jitter,
 * so bridges restarted together do not hit the server in lockstep.
 */
export const DEFAULT_BACKOFF: Backoff = { baseMs: 1_000, capMs: 30_000, jitter: EQUAL_JITTER };
