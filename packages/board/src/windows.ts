import { BISHKEK_OFFSET_MINUTES } from '@korgon/domain';

/**
 * The board's time windows, in Asia/Bishkek time (UTC+6 all year: no daylight saving time since 2005, so an
 * hour there begins when a UTC hour begins, and a day at 18:00 UTC).
 */
export interface TimeWindow {
  /** Inclusive. */
  from: Date;
  /** Exclusive. */
  to: Date;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const OFFSET = BISHKEK_OFFSET_MINUTES * MINUTE;

/** "08:00" → 480 minutes after midnight. */
function minutesOf(hhmm: string): number {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm.trim());
  if (!m) throw new Error(`"${hhmm}" is not a time of day (HH:MM)`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** Shift start times (HH:MM, Bishkek) as minutes after midnight, sorted, without repeats; at least one. */
export function shiftBoundaries(shifts: readonly string[]): number[] {
  const out = [...new Set(shifts.map(minutesOf))].sort((a, b) => a - b);
  if (out.length === 0) throw new Error('at least one shift start time is needed');
  return out;
}

/** The Bishkek midnight that begins the day of `at`. */
export function bishkekMidnight(at: Date): Date {
  const local = at.getTime() + OFFSET;
  return new Date(Math.floor(local / DAY) * DAY - OFFSET);
}

/** The Bishkek date of `at`, YYYY-MM-DD. */
export function bishkekDate(at: Date): string {
  return new Date(at.getTime() + OFFSET).toISOString().slice(0, 10);
}

/** The Bishkek clock hour of `at`, 0 to 23. */
export function bishkekHour(at: Date): number {
  return new Date(at.getTime() + OFFSET).getUTCHours();
}

/** The clock hour containing `now`. */
export function hourWindow(now: Date): TimeWindow {
  const from = Math.floor(now.getTime() / HOUR) * HOUR;
  return { from: new Date(from), to: new Date(from + HOUR) };
}

/** The Bishkek day containing `now`. */
export function dayWindow(now: Date): TimeWindow {
  const from = bishkekMidnight(now).getTime();
  return { from: new Date(from), to: new Date(from + DAY) };
}

/**
 * The shift containing `now`: from the last shift start at or before it to the next one (a night shift runs
 * across midnight: 20:00 to 08:00 the next day). One start time makes one 24-hour shift.
 */
export function shiftWindow(now: Date, shifts: readonly string[]): TimeWindow {
  const starts = shiftBoundaries(shifts);
  const midnight = bishkekMidnight(now).getTime();
  const sinceMidnight = now.getTime() - midnight;
  const candidates = [
    ...starts.map((m) => midnight - DAY + m * MINUTE),
    ...starts.map((m) => midnight + m * MINUTE),
    ...starts.map((m) => midnight + DAY + m * MINUTE),
  ];
  const i = candidates.findLastIndex((t) => t <= midnight + sinceMidnight);
  const from = candidates[i] as number;
  const to = candidates[i + 1] as number;
  return { from: new Date(from), to: new Date(to) };
}

export interface BoardWindows {
  hour: TimeWindow;
  shift: TimeWindow;
  today: TimeWindow;
}

export function boardWindows(now: Date, shifts: readonly string[]): BoardWindows {
  return { hour: hourWindow(now), shift: shiftWindow(now, shifts), today: dayWindow(now) };
}
