import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { generateSecret, generateSync, generateURI } from 'otplib';
import QRCode from 'qrcode';

/**
 * TOTP as authenticator apps do it (RFC 6238: SHA-1, 6 digits, 30-second steps). A code is accepted for the
 * step before, the current one and the one after (a phone's clock a little off), and only for a step later
 * than the last one accepted: the same code, seen over a shoulder or replayed, never works twice.
 */
export const PERIOD_SECONDS = 30;
export const DRIFT_STEPS = 1;
export const ISSUER = 'Korgon 5200';

export const stepAt = (ms: number) => Math.floor(ms / 1000 / PERIOD_SECONDS);

export function newTotpSecret(): string {
  return generateSecret({ length: 20 });
}

/** The code of one 30-second step. */
export function totpCodeAt(secret: string, step: number): string {
  return generateSync({ secret, epoch: step * PERIOD_SECONDS });
}

/** The step a code belongs to (within the drift around `now`, later than `lastStep`), or undefined. */
export function matchTotp(
  secret: string,
  code: string,
  lastStep: number | null,
  now = Date.now(),
): number | undefined {
  const current = stepAt(now);
  const given = Buffer.from(code);
  for (let step = current - DRIFT_STEPS; step <= current + DRIFT_STEPS; step++) {
    if (lastStep !== null && step <= lastStep) continue;
    const expected = Buffer.from(totpCodeAt(secret, step));
    if (expected.length === given.length && timingSafeEqual(expected, given)) return step;
  }
  return undefined;
}

export function otpauthUri(secret: string, username: string): string {
  return generateURI({ issuer: ISSUER, label: username, secret });
}

/** The URI as a QR code: an SVG data URL the console shows as an image. */
export async function qrCodeOf(uri: string): Promise<string> {
  const svg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}

/** No 0/o, 1/l/i: a code copied from paper reads one way only. */
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** A recovery code: `xxxxx-xxxxx`, about 49 bits of randomness (the sign-in throttle does the rest). */
export function newRecoveryCode(): string {
  const pick = () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)];
  return `${Array.from({ length: 5 }, pick).join('')}-${Array.from({ length: 5 }, pick).join('')}`;
}

/** How a typed recovery code is compared: lower case, spaces and dashes ignored. */
export function normalizeRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]/g, '');
}

/** Looks like a recovery code (not a 6-digit TOTP code). */
export function isRecoveryCodeShape(code: string): boolean {
  return /^[a-z0-9]{10}$/.test(normalizeRecoveryCode(code)) && !/^[0-9]+$/.test(code.trim());
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * The demo's (and the tests') second-factor secret of a demo user: derived from the demo password, so whoever
 * holds the password of a demo installation can also compute its codes (`pnpm demo:code`), and nobody else.
 */
export function demoTotpSecret(demoPassword: string, username: string): string {
  const bytes = createHmac('sha256', demoPassword)
    .update(`korgon-demo-totp:${username}`)
    .digest()
    .subarray(0, 20);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}
