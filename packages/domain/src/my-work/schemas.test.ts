import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bishkekDayStart, formatReference, parseReference } from './schemas';

describe('reference numbers', () => {
  it('read back what they print, typed in any case, with spaces and without leading zeros', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('K' as const, 'R' as const),
        fc.integer({ min: 2000, max: 2999 }),
        fc.integer({ min: 1, max: 99_999_999 }),
        (prefix, year, n) => {
          const printed = formatReference(prefix, year, n);
          expect(parseReference(printed)?.reference).toBe(printed);
          expect(parseReference(` ${prefix.toLowerCase()} ${year} ${n} `)?.reference).toBe(printed);
          expect(parseReference(printed)?.kind).toBe(prefix === 'K' ? 'consultation' : 'referral');
        },
      ),
    );
    expect(formatReference('K', 2026, 123)).toBe('K-2026-000123');
    expect(formatReference('R', 2026, 1_234_567)).toBe('R-2026-1234567');
    for (const bad of ['', '123', 'X-2026-000001', 'K-26-000001', 'K-2026-', 'K-2026-00001a'])
      expect(parseReference(bad), bad).toBeNull();
  });

  it('the shift day starts at 00:00 Bishkek (UTC+6)', () => {
    expect(bishkekDayStart(new Date('2026-03-08T17:59:00Z')).toISOString()).toBe('2026-03-07T18:00:00.000Z');
    expect(bishkekDayStart(new Date('2026-03-08T18:00:00Z')).toISOString()).toBe('2026-03-08T18:00:00.000Z');
    expect(bishkekDayStart(new Date('2026-03-08T18:00:00Z'), 2).toISOString()).toBe(
      '2026-03-06T18:00:00.000Z',
    );
  });
});
