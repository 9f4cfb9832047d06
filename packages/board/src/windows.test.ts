import { describe, expect, it } from 'vitest';
import { bishkekDate, bishkekHour, boardWindows, shiftBoundaries, shiftWindow } from './windows';

const at = (s: string) => new Date(s);
const iso = (w: { from: Date; to: Date }) => [w.from.toISOString(), w.to.toISOString()];

describe('the board windows (Asia/Bishkek, UTC+6)', () => {
  it('are the clock hour, the day shift and the Bishkek day', () => {
    const w = boardWindows(at('2026-03-10T15:30:00+06:00'), ['08:00', '20:00']);
    expect(iso(w.hour)).toEqual(['2026-03-10T09:00:00.000Z', '2026-03-10T10:00:00.000Z']);
    expect(iso(w.shift)).toEqual(['2026-03-10T02:00:00.000Z', '2026-03-10T14:00:00.000Z']);
    expect(iso(w.today)).toEqual(['2026-03-09T18:00:00.000Z', '2026-03-10T18:00:00.000Z']);
  });

  it('run a night shift across midnight, from either side of it', () => {
    const shifts = ['20:00', '08:00'];
    const night = ['2026-03-10T14:00:00.000Z', '2026-03-11T02:00:00.000Z'];
    expect(iso(shiftWindow(at('2026-03-10T23:59:00+06:00'), shifts))).toEqual(night);
    expect(iso(shiftWindow(at('2026-03-11T03:00:00+06:00'), shifts))).toEqual(night);
    // A shift begins at its start time exactly, and the one before ends there.
    expect(iso(shiftWindow(at('2026-03-11T08:00:00+06:00'), shifts))[0]).toBe('2026-03-11T02:00:00.000Z');
    expect(iso(shiftWindow(at('2026-03-11T07:59:59.999+06:00'), shifts))[1]).toBe('2026-03-11T02:00:00.000Z');
  });

  it('take one start time as a 24-hour shift, and three as three shifts', () => {
    expect(iso(shiftWindow(at('2026-03-10T05:00:00+06:00'), ['07:30']))).toEqual([
      '2026-03-09T01:30:00.000Z',
      '2026-03-10T01:30:00.000Z',
    ]);
    expect(iso(shiftWindow(at('2026-03-10T17:00:00+06:00'), ['06:00', '14:00', '22:00']))).toEqual([
      '2026-03-10T08:00:00.000Z',
      '2026-03-10T16:00:00.000Z',
    ]);
  });

  it('refuses a start time that is not HH:MM, and needs at least one', () => {
    expect(() => shiftBoundaries(['8:00'])).toThrow(/HH:MM/);
    expect(() => shiftBoundaries([])).toThrow(/at least one/);
    expect(shiftBoundaries(['20:00', '08:00', '20:00'])).toEqual([480, 1200]);
  });

  it('name the Bishkek date and hour, not the UTC ones', () => {
    expect(bishkekDate(at('2026-03-10T19:00:00Z'))).toBe('2026-03-11');
    expect(bishkekHour(at('2026-03-10T19:00:00Z'))).toBe(1);
  });
});
