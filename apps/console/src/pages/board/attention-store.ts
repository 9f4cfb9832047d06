import type { BoardAttention } from '@korgon/domain';
import { create } from 'zustand';
import { onSignedOut, signedInGeneration } from '../../lib/signed-in-state';
import { boardApi } from './board-api';

/** Pushes come in bursts (a referral's delivery, its alert, the figures): one read after they settle. */
const SETTLE_MS = 300;

interface AttentionState {
  attention: BoardAttention | null;
  loading: boolean;
  /** The last read failed (null once one succeeds). */
  error: unknown;
  /** How many panels show the lists now: nothing is read while none does. */
  watchers: number;
}

const initial: AttentionState = { attention: null, loading: false, error: null, watchers: 0 };

export const useAttentionStore = create<AttentionState>()(() => initial);

let inFlight = false;
let again = false;
let timer: number | undefined;

/** Reads GET /api/board/attention now (one read at a time; a request during one reads again after it). */
export async function loadAttention(): Promise<void> {
  if (inFlight) {
    again = true;
    return;
  }
  inFlight = true;
  const generation = signedInGeneration();
  useAttentionStore.setState({ loading: true });
  try {
    do {
      again = false;
      try {
        const attention = await boardApi.attention();
        if (generation !== signedInGeneration()) return;
        useAttentionStore.setState({ attention, error: null });
      } catch (error) {
        if (generation !== signedInGeneration()) return;
        useAttentionStore.setState({ error });
      }
    } while (again);
  } finally {
    inFlight = false;
    useAttentionStore.setState({ loading: false });
  }
}

/** Something the lists show may have changed (a push, a reconnect): read them again soon, if anyone looks. */
export function attentionChanged(): void {
  if (useAttentionStore.getState().watchers === 0) return;
  window.clearTimeout(timer);
  timer = window.setTimeout(() => void loadAttention(), SETTLE_MS);
}

/** A panel showing the lists: reads them at once, and keeps them read while it is on screen. */
export function watchAttention(): () => void {
  useAttentionStore.setState((s) => ({ watchers: s.watchers + 1 }));
  void loadAttention();
  return () => useAttentionStore.setState((s) => ({ watchers: Math.max(0, s.watchers - 1) }));
}

onSignedOut(() => {
  window.clearTimeout(timer);
  useAttentionStore.setState(initial);
});
