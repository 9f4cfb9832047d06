import { z } from 'zod';
import { DisplayName } from '../admin/schemas';
import { Locale } from '../i18n/locales';

const iso = z.iso.datetime({ offset: true });

/**
 * A wall display's one-time pairing code: typed by a person standing at a screen, so short and without the
 * letters and digits that are read as one another (0/O, 1/I/L). 8 characters of 31 are about 40 bits: with
 * 15 minutes of validity, single use and the sign-in throttle per address, far beyond guessing.
 */
export const PAIRING_CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const PAIRING_CODE_LENGTH = 8;
export const PAIRING_CODE_MINUTES = 15;

/** What a person typed, as the code is stored: upper case, without spaces and dashes ("abcd-2345" → "ABCD2345"). */
export function normalizePairingCode(typed: string): string {
  return typed.toUpperCase().replace(/[\s-]+/g, '');
}

const CODE_PATTERN = new RegExp(`^[${PAIRING_CODE_ALPHABET}]{${PAIRING_CODE_LENGTH}}$`);

export function isPairingCode(normalized: string): boolean {
  return CODE_PATTERN.test(normalized);
}

/** "ABCD2345" → "ABCD-2345": easier to read out and type. */
export function formatPairingCode(normalized: string): string {
  return `${normalized.slice(0, 4)}-${normalized.slice(4)}`;
}

export const CreateWallDisplayBody = z
  .object({
    /** Where the screen hangs, for the administrators' list: "Call room, left wall". */
    name: DisplayName,
    /** The language the screen shows (stored as its account's language). */
    locale: Locale.default('ky'),
  })
  .meta({ id: 'CreateWallDisplayBody' });
export type CreateWallDisplayBody = z.infer<typeof CreateWallDisplayBody>;

export const WallDisplayIdParams = z.object({ id: z.uuid('The wall display id must be a UUID.') });

export const PairWallBody = z
  .object({
    code: z
      .string()
      .max(32, 'A pairing code has 8 letters and digits, like ABCD-2345.')
      .refine((c) => isPairingCode(normalizePairingCode(c)), {
        message: `A pairing code has ${PAIRING_CODE_LENGTH} letters and digits, like ABCD-2345 (no 0, O, 1, I or L).`,
      }),
  })
  .meta({ id: 'PairWallBody' });
export type PairWallBody = z.infer<typeof PairWallBody>;

/** One live session of a wall display: the screen it was paired on. */
export const WallSession = z
  .object({
    id: z.string(),
    createdAt: iso,
    lastSeenAt: iso,
    expiresAt: iso,
    userAgent: z.string().nullable(),
  })
  .meta({ id: 'WallSession' });
export type WallSession = z.infer<typeof WallSession>;

export const WallDisplay = z
  .object({
    id: z.uuid(),
    name: z.string(),
    /** Its account (role wall), which never signs in with a password. */
    userId: z.uuid(),
    username: z.string(),
    locale: Locale,
    /** False once revoked; a new pairing code makes it active again. */
    active: z.boolean(),
    createdAt: iso,
    createdBy: z.object({ id: z.uuid(), displayName: z.string() }),
    /** A screen holds a live session of it. */
    paired: z.boolean(),
    /** Until when the pairing code given last can be used; null when there is none (used, or none given). */
    pairingExpiresAt: iso.nullable(),
    /** Its live sessions: normally one, the screen's. */
    sessions: z.array(WallSession),
  })
  .meta({ id: 'WallDisplay' });
export type WallDisplay = z.infer<typeof WallDisplay>;

/** A new pairing code: shown once to the administrator, stored only as its keyed hash. */
export const WallPairingCode = z
  .object({
    display: WallDisplay,
    /** ABCD-2345 */
    code: z.string(),
    /** PUBLIC_URL/#/wall/pair?code=…&lang=…: open it on the screen and the code is filled in. */
    pairingUrl: z.string(),
    expiresAt: iso,
  })
  .meta({ id: 'WallPairingCode' });
export type WallPairingCode = z.infer<typeof WallPairingCode>;
