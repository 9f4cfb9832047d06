import { describe, expect, it } from 'vitest';
import { bishkekToday, hashOf, parseState, periodOf, rangeOf, stepPeriod } from './statistics-state';

describe('statistics periods', () => {
  it('takes today in Bishkek (UTC+6), not in UTC', () => {
    expect(bishkekToday(Date.parse('2026-11-30T18:30:00Z'))).toBe('2026-12-01');
    expect(bishkekToday(Date.parse('2026-11-30T17:59:59Z'))).toBe('2026-11-30');
  });

  it('gives the period holding a day: weeks from Monday, calendar months, quarters and years', () => {
    expect(periodOf('day', '2024-02-29')).toEqual({ from: '2024-02-29', to: '2024-02-29' });
    // 2024-03-03 is a Sunday: its week began on Monday 26 February.
    expect(periodOf('week', '2024-03-03')).toEqual({ from: '2024-02-26', to: '2024-03-03' });
    expect(periodOf('week', '2024-03-04')).toEqual({ from: '2024-03-04', to: '2024-03-10' });
    expect(periodOf('month', '2024-02-10')).toEqual({ from: '2024-02-01', to: '2024-02-29' });
    expect(periodOf('quarter', '2026-11-15')).toEqual({ from: '2026-10-01', to: '2026-12-31' });
    expect(periodOf('year', '2026-11-15')).toEqual({ from: '2026-01-01', to: '2026-12-31' });
  });

  it('steps to the period before and after', () => {
    expect(periodOf('month', stepPeriod('month', '2026-01-31', -1))).toEqual({
      from: '2025-12-01',
      to: '2025-12-31',
    });
    expect(periodOf('quarter', stepPeriod('quarter', '2026-11-15', 1)).from).toBe('2027-01-01');
    expect(periodOf('week', stepPeriod('week', '2024-03-03', 1)).from).toBe('2024-03-04');
  });
});

describe('statistics state in the fragment', () => {
  it('round-trips what is on screen, so a shared link shows the same', () => {
    const state = parseState(
      '#/statistics?tab=tables&period=custom&from=2024-03-01&to=2024-03-31&rows=region&cols=riskLevel',
      '2026-12-01',
    );
    expect(rangeOf(state)).toEqual({ from: '2024-03-01', to: '2024-03-31' });
    expect(state.rows).toBe('region');
    expect(state.cols).toBe('riskLevel');
    expect(parseState(hashOf(state), '2026-12-01')).toEqual(state);
  });

  it('falls back to this month for anything it cannot read', () => {
    const state = parseState('#/statistics?tab=nope&period=decade&at=2024-13-45&rows=a%20b', '2026-12-01');
    expect(state.tab).toBe('tables');
    expect(rangeOf(state)).toEqual({ from: '2026-12-01', to: '2026-12-31' });
    expect(state.rows).toBe('');
  });
});
