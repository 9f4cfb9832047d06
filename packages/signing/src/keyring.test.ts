import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CALLER_MATCH_DAYS,
  type CallerKeyring,
  callerHash,
  callerHashes,
  expiredOldKeys,
  matchingDaysLeft,
  matchingOldKeys,
} from './callers';
import { open, readableVersions, reseal, seal, sealKeyFrom, UnreadableError } from './sealed';

const b64 = () => randomBytes(32).toString('base64');
const DAY = 86_400_000;

describe('the notes keyring', () => {
  const v1 = b64();
  const v2 = b64();
  const v3 = b64();

  it('seals with the current key only, and opens every version it holds', () => {
    const old = sealKeyFrom(v1, 1);
    const fromV1 = seal(old, 'rec-1', 'Ал коркуп жатат');
    const ring = sealKeyFrom(v3, 3, [
      { version: 1, key: v1 },
      { version: 2, key: v2 },
    ]);
    expect(readableVersions(ring)).toEqual([3, 1, 2]);
    expect(open(ring, 'rec-1', fromV1, 1)).toBe('Ал коркуп жатат');
    // What the ring seals is version 3: the old key cannot read it, the current key alone can.
    const fromRing = seal(ring, 'rec-1', 'Она боится');
    expect(() => open(old, 'rec-1', fromRing, 1)).toThrow(UnreadableError);
    expect(open(sealKeyFrom(v3, 3), 'rec-1', fromRing, 3)).toBe('Она боится');
  });

  it('re-seals old text under the current version, still bound to its record', () => {
    const ring = sealKeyFrom(v2, 2, [{ version: 1, key: v1 }]);
    const moved = reseal(ring, 'rec-9', seal(sealKeyFrom(v1, 1), 'rec-9', 'текст'), 1);
    expect(open(sealKeyFrom(v2, 2), 'rec-9', moved, 2)).toBe('текст');
    expect(() => open(sealKeyFrom(v2, 2), 'rec-8', moved, 2)).toThrow(UnreadableError);
  });

  it('refuses a version it does not hold, naming the versions it does', () => {
    const ring = sealKeyFrom(v2, 2, [{ version: 1, key: v1 }]);
    const fromV3 = seal(sealKeyFrom(v3, 3), 'rec-1', 'x');
    expect(() => open(ring, 'rec-1', fromV3, 3)).toThrow(/key version 3, configured keys are versions 2, 1/);
    // The right version number with the wrong key (a version reused for another key) does not open either.
    expect(() =>
      open(sealKeyFrom(v2, 2, [{ version: 1, key: v3 }]), 'rec-1', seal(sealKeyFrom(v1, 1), 'rec-1', 'x'), 1),
    ).toThrow(UnreadableError);
  });

  it('refuses a ring that repeats a version or holds a key of the wrong size', () => {
    expect(() => sealKeyFrom(v2, 2, [{ version: 2, key: v1 }])).toThrow(/also the current version/);
    expect(() =>
      sealKeyFrom(v2, 2, [
        { version: 1, key: v1 },
        { version: 1, key: v3 },
      ]),
    ).toThrow(/given twice/);
    expect(() => sealKeyFrom(v2, 2, [{ version: 1, key: 'c2hvcnQ=' }])).toThrow(/version 1 must be 32 bytes/);
  });
});

describe('the caller HMAC keyring', () => {
  const retiredAt = new Date('2026-11-01T00:00:00Z');
  const ring: CallerKeyring = {
    current: { key: 'k2'.repeat(20), version: 2 },
    old: [{ key: 'k1'.repeat(20), version: 1, retiredAt }],
  };

  it('hashes under the current key first, then each old key still matching', () => {
    const at = new Date(retiredAt.getTime() + 10 * DAY);
    const hashes = callerHashes(ring, '+996555000111', at);
    expect(hashes).toEqual([
      { hash: callerHash('k2'.repeat(20), '+996555000111'), version: 2 },
      { hash: callerHash('k1'.repeat(20), '+996555000111'), version: 1 },
    ]);
    expect(hashes[0]?.hash).not.toBe(hashes[1]?.hash);
    expect(hashes[0]?.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it(`stops using an old key ${CALLER_MATCH_DAYS} days after it was retired`, () => {
    const justBefore = new Date(retiredAt.getTime() + CALLER_MATCH_DAYS * DAY - 1);
    const at = new Date(retiredAt.getTime() + CALLER_MATCH_DAYS * DAY);
    expect(matchingOldKeys(ring, justBefore).map((k) => k.version)).toEqual([1]);
    expect(matchingDaysLeft(ring.old[0] as never, justBefore)).toBe(1);
    expect(matchingOldKeys(ring, at)).toEqual([]);
    expect(expiredOldKeys(ring, at).map((k) => k.version)).toEqual([1]);
    expect(matchingDaysLeft(ring.old[0] as never, at)).toBe(0);
    expect(callerHashes(ring, '+996555000111', at)).toHaveLength(1);
  });
});
