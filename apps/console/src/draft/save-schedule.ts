import { type Backoff, backoffDelay } from '@korgon/domain';

/** Changes are sent this long after the last keystroke... */
export const DEBOUNCE_MS = 600;
/** ...and never later than this after the first unsaved one, so a record is on the server within 2 s. */
export const MAX_WAIT_MS = 1_400;

/**
 * Waits between failed autosaves: 1 s, 2 s, 4 s … up to 20 s, plus up to a fifth more at random. The first
 * retry is soon because most failures are a blip; 20 s bounds how stale the server's copy gets once the line
 * is back (the `online` event retries at once anyway); the jitter keeps the consoles of a room, cut off
 * together, from all retrying in the same instant. Never shorter than the figure: the change is kept on this
 * device meanwhile, so waiting a little longer costs nothing.
 */
export const AUTOSAVE_RETRY: Backoff = { baseMs: 1_000, capMs: 20_000, jitter: [1, 1.2] };

/** How long to wait before sending, `firstPendingAt` being when the oldest unsent change was made. */
export function debounceWait(firstPendingAt: number, now: number): number {
  return Math.max(0, Math.min(DEBOUNCE_MS, firstPendingAt + MAX_WAIT_MS - now));
}

/** The wait before autosave retry number `attempt` (0: the first since the last save that went through). */
export const autosaveRetryDelay = (attempt: number, random: () => number): number =>
  backoffDelay(attempt, AUTOSAVE_RETRY, random);
