import type { BoardFigures } from '@korgon/domain';
import { create } from 'zustand';
import { onSignedOut, signedInGeneration } from '../../lib/signed-in-state';
import { boardApi } from './board-api';

interface FiguresState {
  figures: BoardFigures | null;
  /** The last read of GET /api/board/figures failed (null once one succeeds or a push arrives). */
  error: unknown;
  /** Bumped whenever the attention counts pushed with the figures change: the lists are read again. */
  attentionEpoch: number;
  /** How many panels show the figures now: a reconnect reads them only while one does. */
  watchers: number;
  /** A read or a push: kept only when it is at least as new as what is shown (newest `at` wins). */
  offer(f: BoardFigures): void;
  failed(error: unknown): void;
}

const initial = { figures: null, error: null, attentionEpoch: 0, watchers: 0 };

const sameAttention = (a: BoardFigures['attention'], b: BoardFigures['attention']) =>
  a.highRiskOpen === b.highRiskOpen &&
  a.urgentReferralsAwaiting === b.urgentReferralsAwaiting &&
  a.referralsFailedOrEscalated === b.referralsFailedOrEscalated &&
  a.followUpsOverdue === b.followUpsOverdue;

/**
 * The board's figures: read on arrival and at every reconnect, then replaced by each `board:figures` push. A
 * read and a push can cross, so the one computed later wins, whichever arrives last.
 */
export const useFiguresStore = create<FiguresState>()((set) => ({
  ...initial,
  offer: (f) =>
    set((s) => {
      if (s.figures && Date.parse(s.figures.at) > Date.parse(f.at)) return {};
      const changed = !s.figures || !sameAttention(s.figures.attention, f.attention);
      return {
        figures: f,
        error: null,
        attentionEpoch: changed ? s.attentionEpoch + 1 : s.attentionEpoch,
      };
    }),
  failed: (error) => set({ error }),
}));

onSignedOut(() => useFiguresStore.setState(initial));

/** Reads GET /api/board/figures (on arrival on the board, and at every reconnect while it is shown). */
export async function loadFigures(): Promise<void> {
  const generation = signedInGeneration();
  try {
    const f = await boardApi.figures();
    if (generation === signedInGeneration()) useFiguresStore.getState().offer(f);
  } catch (error) {
    if (generation === signedInGeneration()) useFiguresStore.getState().failed(error);
  }
}

/** A panel showing the figures: reads them at once; pushes keep them current while it is on screen. */
export function watchFigures(): () => void {
  useFiguresStore.setState((s) => ({ watchers: s.watchers + 1 }));
  void loadFigures();
  return () => useFiguresStore.setState((s) => ({ watchers: Math.max(0, s.watchers - 1) }));
}
