import { createHmac } from 'node:crypto';

/**
 * The caller HMAC keyring (docs/security.md "Key rotation"): a caller's number becomes
 * HMAC-SHA256(key, "caller:<number>") on arrival, and only that is kept, with the version of the key that made
 * it. After a rotation, new hashes use the current key; an old key keeps matching callers (prior contacts,
 * repeat-caller links) for CALLER_MATCH_DAYS after the day it was retired, then is no longer used.
 */
export const CALLER_MATCH_DAYS = 90;
const DAY_MS = 86_400_000;

export interface CallerKey {
  key: string;
  version: number;
}

export interface RetiredCallerKey extends CallerKey {
  /** The day it stopped being the current key (UTC midnight). */
  retiredAt: Date;
}

export interface CallerKeyring {
  current: CallerKey;
  old: readonly RetiredCallerKey[];
}

export function callerHash(key: string, number: string): string {
  return createHmac('sha256', key).update(`caller:${number}`).digest('hex');
}

/** The last moment an old key still matches: CALLER_MATCH_DAYS after its retirement. */
export const matchingUntil = (k: RetiredCallerKey): Date =>
  new Date(k.retiredAt.getTime() + CALLER_MATCH_DAYS * DAY_MS);

/** The old keys still used for matching at `now` (retired less than CALLER_MATCH_DAYS ago). */
export function matchingOldKeys(ring: CallerKeyring, now: Date): RetiredCallerKey[] {
  return ring.old.filter((k) => matchingUntil(k).getTime() > now.getTime());
}

/** The old keys past their matching time: no longer used, and safe to remove from the configuration. */
export function expiredOldKeys(ring: CallerKeyring, now: Date): RetiredCallerKey[] {
  return ring.old.filter((k) => matchingUntil(k).getTime() <= now.getTime());
}

/** Whole days an old key still matches at `now` (0 once it no longer does). */
export function matchingDaysLeft(k: RetiredCallerKey, now: Date): number {
  return Math.max(0, Math.ceil((matchingUntil(k).getTime() - now.getTime()) / DAY_MS));
}

/**
 * Every hash a number may be stored under at `now`: the current key's first, then each old key's that still
 * matches, with its version.
 */
export function callerHashes(
  ring: CallerKeyring,
  number: string,
  now: Date,
): { hash: string; version: number }[] {
  return [ring.current, ...matchingOldKeys(ring, now)].map((k) => ({
    hash: callerHash(k.key, number),
    version: k.version,
  }));
}
