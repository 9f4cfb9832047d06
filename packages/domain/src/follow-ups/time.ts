/**
 * Follow-up times (docs/domain.md §10): the caller's safe-contact window is given in Asia/Bishkek time
 * (UTC+6 all year: Kyrgyzstan has kept no daylight saving time since 2005), and a follow-up is raised at its
 * due time, or at the next opening of that window when its due time falls outside it.
 */
export const BISHKEK_OFFSET_MINUTES = 6 * 60;
const DAY = 24 * 60 * 60_000;
const MINUTE = 60_000;

/** A temporary protection order lasts 30 days (Law on Protection from Family Violence). */
export const TEMPORARY_ORDER_DAYS = 30;
/** A follow-up with no window is overdue this long after it was raised. */
export const OVERDUE_WITHOUT_WINDOW_MS = 2 * 60 * MINUTE;
/** Order follow-ups are due at this Bishkek time of their day (a working-day hour). */
export const ORDER_FOLLOW_UP_HOUR = 10;

export interface SafeWindow {
  /** HH:MM, Asia/Bishkek. */
  from: string;
  /** HH:MM, Asia/Bishkek; earlier than `from` for a window across midnight (22:00–02:00). */
  to: string;
}

const minutesOf = (hhmm: string) => {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
};

/** Minutes since Bishkek midnight, and the instant of that midnight. */
function bishkekDay(at: Date): { minute: number; midnight: number } {
  const local = at.getTime() + BISHKEK_OFFSET_MINUTES * MINUTE;
  const localMidnight = Math.floor(local / DAY) * DAY;
  return {
    minute: Math.floor((local - localMidnight) / MINUTE),
    midnight: localMidnight - BISHKEK_OFFSET_MINUTES * MINUTE,
  };
}

/** The window from the consultation's safe-contact times, when both are given and differ. */
export function safeWindowOf(safeContact: { callbackFrom?: string; callbackTo?: string }): SafeWindow | null {
  const { callbackFrom: from, callbackTo: to } = safeContact;
  if (!from || !to || from === to) return null;
  return { from, to };
}

/** Whether an instant falls inside the window (its end excluded). */
export function inWindow(at: Date, w: SafeWindow): boolean {
  const { minute } = bishkekDay(at);
  const from = minutesOf(w.from);
  const to = minutesOf(w.to);
  return from < to ? minute >= from && minute < to : minute >= from || minute < to;
}

/** The due time, or the next opening of the safe window after it when it falls outside. */
export function raiseTimeOf(due: Date, w: SafeWindow | null): Date {
  if (!w || inWindow(due, w)) return due;
  const { minute, midnight } = bishkekDay(due);
  const from = minutesOf(w.from);
  const opening = midnight + from * MINUTE;
  return new Date(minute < from ? opening : opening + DAY);
}

/**
 * When a raised follow-up becomes overdue: when the window it was raised in closes, or two hours after it was
 * raised when the caller gave no window.
 */
export function overdueAtOf(raiseAt: Date, w: SafeWindow | null): Date {
  if (!w) return new Date(raiseAt.getTime() + OVERDUE_WITHOUT_WINDOW_MS);
  const { minute, midnight } = bishkekDay(raiseAt);
  const to = minutesOf(w.to);
  const close = midnight + to * MINUTE;
  return new Date(minute < to ? close : close + DAY);
}

/** A date (YYYY-MM-DD) plus days, at the given Bishkek hour. */
export function bishkekDateAt(isoDate: string, plusDays: number, hour: number): Date {
  const [y, m, d] = isoDate.split('-').map(Number);
  const utc = Date.UTC(y ?? 1970, (m ?? 1) - 1, (d ?? 1) + plusDays, hour) - BISHKEK_OFFSET_MINUTES * MINUTE;
  return new Date(utc);
}
