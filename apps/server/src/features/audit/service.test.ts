import { describe, expect, it } from 'vitest';
import { shownDetails } from './service';

describe('shownDetails', () => {
  it('keeps ids and coarse facts as they are', () => {
    const d = {
      from: 'medium',
      to: 'high',
      version: 2,
      knownDevice: true,
      partnerId: null,
      fields: ['region', 'risk'],
    };
    expect(shownDetails(d)).toEqual(d);
  });

  it('cuts a long string, a long list and a deep structure, so one odd entry cannot flood a page', () => {
    const shown = shownDetails({
      text: 'x'.repeat(500),
      list: Array.from({ length: 80 }, (_, i) => i),
      deep: { a: { b: { c: { d: 1 } } } },
    }) as { text: string; list: number[]; deep: unknown };
    expect(shown.text).toHaveLength(201);
    expect(shown.text.endsWith('…')).toBe(true);
    expect(shown.list).toHaveLength(50);
    expect(shown.deep).toEqual({ a: { b: '…' } });
  });
});
