import { describe, expect, it } from 'vitest';
import { backoffDelay, EQUAL_JITTER } from './backoff';

const fixed = (r: number) => () => r;

describe('backoffDelay', () => {
  it('doubles from the base and stops at the cap', () => {
    const b = { baseMs: 1_000, capMs: 30_000 };
    const delays = [0, 1, 2, 3, 4, 5, 6, 40].map((a) => backoffDelay(a, b, fixed(0.7)));
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('stays finite for huge or negative attempt numbers', () => {
    const b = { baseMs: 500, capMs: 4_000 };
    expect(backoffDelay(10_000, b, fixed(0))).toBe(4_000);
    expect(backoffDelay(Number.MAX_SAFE_INTEGER, b, fixed(0))).toBe(4_000);
    expect(backoffDelay(-3, b, fixed(0))).toBe(500);
  });

  it('with equal jitter, keeps each delay between half and all of the capped delay', () => {
    const b = { baseMs: 1_000, capMs: 30_000, jitter: EQUAL_JITTER };
    expect(backoffDelay(0, b, fixed(0))).toBe(500);
    expect(backoffDelay(0, b, fixed(0.999_999))).toBe(1_000);
    expect(backoffDelay(2, b, fixed(0.5))).toBe(3_000);
    expect(backoffDelay(10, b, fixed(0))).toBe(15_000);
    for (let attempt = 0; attempt < 12; attempt++) {
      const exp = Math.min(30_000, 1_000 * 2 ** attempt);
      for (const r of [0, 0.1, 0.37, 0.5, 0.81, 0.999]) {
        const d = backoffDelay(attempt, b, fixed(r));
        expect(d).toBeGreaterThanOrEqual(Math.round(exp / 2));
        expect(d).toBeLessThanOrEqual(exp);
      }
    }
  });

  it('draws from the random source it is given, so two draws can differ', () => {
    const b = { baseMs: 1_000, capMs: 20_000, jitter: [1, 1.2] as const };
    const draws = [0, 0.5, 0.999_999];
    let i = 0;
    const seq = () => draws[i++] ?? 0;
    expect([0, 0, 0].map(() => backoffDelay(1, b, seq))).toEqual([2_000, 2_200, 2_400]);
  });

  it('ignores the random source when there is no jitter', () => {
    let called = 0;
    const spy = () => {
      called += 1;
      return 0.3;
    };
    expect(backoffDelay(1, { baseMs: 500, capMs: 60_000 }, spy)).toBe(1_000);
    expect(called).toBe(0);
  });
});
