import type { AlertState, BoardAlert, SignOffRequested } from '@korgon/domain';
import { create } from 'zustand';
import { onSignedOut } from '../../lib/signed-in-state';

const MUTED_KEY = 'korgon.alerts.muted';

function storedMuted(): boolean {
  try {
    return window.localStorage.getItem(MUTED_KEY) === '1';
  } catch {
    return false;
  }
}

const STATE_RANK: Record<AlertState, number> = { open: 0, acknowledged: 1, resolved: 2 };
/** A push and an answer can cross: an alert never goes back to open, nor loses who acknowledged it. */
const rank = (a: BoardAlert) => STATE_RANK[a.state] * 2 + (a.acknowledgedAt ? 1 : 0);

/** An alert that arrived open while this console watched: announced (and sounded) once. */
export interface Arrival {
  id: string;
  seq: number;
}

interface AlertsState {
  status: 'loading' | 'ready' | 'error';
  error: unknown;
  byId: Record<string, BoardAlert>;
  /** Bumped at every push; `pushedAt` says which push last touched each alert (see `replace`). */
  seq: number;
  pushedAt: Record<string, number>;
  arrivals: Arrival[];
  /** The reason an operator gave for lowering a level, by assessment (free text, never in the alert itself). */
  reasons: Record<string, string>;
  /** The sound of new alerts is off (remembered on this device). */
  muted: boolean;
  /** The whole list as the server holds it; pushes received since `sinceSeq` (the read began) win over it. */
  replace(alerts: readonly BoardAlert[], reasons: Record<string, string>, sinceSeq: number): void;
  failed(error: unknown): void;
  /** A push or an answer; true when it is an alert this console did not know, open. */
  merge(a: BoardAlert, pushed?: boolean): boolean;
  signOffRequested(e: SignOffRequested): void;
  setMuted(muted: boolean): void;
}

const initial = {
  status: 'loading' as const,
  error: null,
  byId: {} as Record<string, BoardAlert>,
  seq: 0,
  pushedAt: {} as Record<string, number>,
  arrivals: [] as Arrival[],
  reasons: {} as Record<string, string>,
};

/** The supervisor's alerts (GET /api/alerts, kept live by `alert:changed`), and the sound preference. */
export const useAlertsStore = create<AlertsState>()((set, get) => ({
  ...initial,
  muted: storedMuted(),
  replace: (alerts, reasons, sinceSeq) =>
    set((s) => {
      const byId: Record<string, BoardAlert> = {};
      for (const a of alerts) byId[a.id] = a;
      for (const [id, at] of Object.entries(s.pushedAt)) {
        const pushed = s.byId[id];
        const listed = byId[id];
        if (at > sinceSeq && pushed && (!listed || rank(pushed) >= rank(listed))) byId[id] = pushed;
      }
      return { status: 'ready', error: null, byId, reasons: { ...s.reasons, ...reasons } };
    }),
  failed: (error) => set({ status: 'error', error }),
  merge: (a, pushed = false) => {
    const known = get().byId[a.id];
    if (known && rank(a) < rank(known)) return false;
    const arrived = !known && a.state === 'open' && pushed;
    set((s) => {
      const seq = pushed ? s.seq + 1 : s.seq;
      return {
        seq,
        byId: { ...s.byId, [a.id]: a },
        pushedAt: pushed ? { ...s.pushedAt, [a.id]: seq } : s.pushedAt,
        arrivals: arrived ? [...s.arrivals.slice(-19), { id: a.id, seq }] : s.arrivals,
      };
    });
    return arrived;
  },
  signOffRequested: (e) => set((s) => ({ reasons: { ...s.reasons, [e.assessmentId]: e.reason } })),
  setMuted: (muted) => {
    try {
      window.localStorage.setItem(MUTED_KEY, muted ? '1' : '0');
    } catch {
      // Private mode: the choice lasts as long as the page.
    }
    set({ muted });
  },
}));

onSignedOut(() => useAlertsStore.setState(initial));

/** How long an alert stays in the main list once resolved, before it moves to "handled". */
export const RESOLVED_SHOWN_MS = 60_000;

/** The list as the board shows it: open ones (newest first), then acknowledged ones, then just resolved ones. */
export function shownAlerts(byId: Record<string, BoardAlert>, now: number) {
  const all = Object.values(byId);
  const newest = (at: (a: BoardAlert) => string | null) => (a: BoardAlert, b: BoardAlert) =>
    (at(b) ?? '').localeCompare(at(a) ?? '') || a.id.localeCompare(b.id);
  const open = all.filter((a) => a.state === 'open').sort(newest((a) => a.raisedAt));
  const acknowledged = all.filter((a) => a.state === 'acknowledged').sort(newest((a) => a.acknowledgedAt));
  const resolved = all.filter((a) => a.state === 'resolved').sort(newest((a) => a.resolvedAt));
  const recent = (a: BoardAlert) => now - Date.parse(a.resolvedAt ?? a.raisedAt) < RESOLVED_SHOWN_MS;
  return {
    active: [...open, ...acknowledged, ...resolved.filter(recent)],
    handled: resolved.filter((a) => !recent(a)),
    open: open.length,
  };
}

/** Alerts still open, for the count badges. */
export function useOpenAlertCount(): number | null {
  return useAlertsStore((s) =>
    s.status === 'ready' ? Object.values(s.byId).filter((a) => a.state === 'open').length : null,
  );
}
