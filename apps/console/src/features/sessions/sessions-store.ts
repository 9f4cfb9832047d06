import type { SessionInfo } from '@korgon/domain';
import { create } from 'zustand';
import { onSignedOut, signedInGeneration } from '../../lib/signed-in-state';
import { sessionsApi } from './sessions-api';

type LoadStatus = 'idle' | 'loading' | 'ready' | 'error';

interface SessionsState {
  sessions: SessionInfo[];
  status: LoadStatus;
  error: unknown;
  load(): Promise<void>;
  /** Throws the ApiError for the page to show. */
  end(id: string): Promise<void>;
}

const initial = { sessions: [] as SessionInfo[], status: 'idle' as LoadStatus, error: null as unknown };

export const useSessionsStore = create<SessionsState>()((set) => ({
  ...initial,

  async load() {
    const generation = signedInGeneration();
    set({ status: 'loading', error: null });
    try {
      const sessions = await sessionsApi.list();
      if (generation === signedInGeneration()) set({ sessions, status: 'ready' });
    } catch (error) {
      if (generation === signedInGeneration()) set({ status: 'error', error });
    }
  },

  async end(id) {
    const generation = signedInGeneration();
    await sessionsApi.end(id);
    if (generation === signedInGeneration())
      set((s) => ({ sessions: s.sessions.filter((x) => x.id !== id) }));
  },
}));

onSignedOut(() => useSessionsStore.setState(initial));
