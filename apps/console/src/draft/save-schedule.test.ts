import { describe, expect, it } from 'vitest';
import { autosaveRetryDelay, DEBOUNCE_MS, debounceWait, MAX_WAIT_MS } from './save-schedule';

describe('debounceWait', () => {
  it('waits the debounce after a first change', () => {
    expect(debounceWait(10_000, 10_000)).toBe(DEBOUNCE_MS);
  });

  it('never lets the oldest unsent change wait longer than the maximum', () => {
    expect(debounceWait(10_000, 10_000 + MAX_WAIT_MS - 200)).toBe(200);
    expect(debounceWait(10_000, 10_000 + MAX_WAIT_MS)).toBe(0);
    expect(debounceWait(10_000, 10_000 + MAX_WAIT_MS + 5_000)).toBe(0);
  });
});

describe('autosaveRetryDelay', () => {
  it('doubles from 1 s to at most 20 s, never below the figure and at most a fifth above it', () => {
    const low = [0, 1, 2, 3, 4, 5, 6].map((a) => autosaveRetryDelay(a, () => 0));
    expect(low).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 20_000, 20_000]);
    const high = [0, 1, 5].map((a) => autosaveRetryDelay(a, () => 0.999_999));
    expect(high).toEqual([1_200, 2_400, 24_000]);
  });
});
