import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { open, seal, sealKeyFrom, UnreadableError } from './sealed';

const k = sealKeyFrom(randomBytes(32).toString('base64'), 1);

describe('sealed free text', () => {
  it('opens what it sealed, for the same record', () => {
    const s = seal(k, 'rec-1', 'Она боится, ал коркуп жатат');
    expect(s.toString('utf8')).not.toContain('боится');
    expect(open(k, 'rec-1', s, 1)).toBe('Она боится, ал коркуп жатат');
  });

  it('refuses a ciphertext moved to another record, altered, or under another key version', () => {
    const s = seal(k, 'rec-1', 'secret');
    expect(() => open(k, 'rec-2', s, 1)).toThrow(UnreadableError);
    const altered = Buffer.from(s);
    altered[altered.length - 1] = (altered[altered.length - 1] ?? 0) ^ 1;
    expect(() => open(k, 'rec-1', altered, 1)).toThrow(UnreadableError);
    expect(() => open(k, 'rec-1', s, 2)).toThrow(/key version 2/);
    expect(() => open(sealKeyFrom(randomBytes(32).toString('base64'), 1), 'rec-1', s, 1)).toThrow(
      UnreadableError,
    );
  });

  it('never repeats a ciphertext for the same text', () => {
    expect(seal(k, 'r', 'same').equals(seal(k, 'r', 'same'))).toBe(false);
  });
});
