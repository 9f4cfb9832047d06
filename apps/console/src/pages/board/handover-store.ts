import { HandoverList, HandoverNote, type ServerToClientEvents } from '@korgon/domain';
import { create } from 'zustand';
import { api } from '../../lib/api';
import { onSignedOut, signedInGeneration } from '../../lib/signed-in-state';
import type { ConsoleSocket } from '../../lib/socket';

export const handoverApi = {
  list: () => api.get('/api/board/handover', { parse: HandoverList }),
  write: (body: string) => api.post('/api/board/handover', { body: { body }, parse: HandoverNote }),
  markRead: (id: string) =>
    api.post('/api/board/handover/{id}/read', { params: { path: { id } }, parse: HandoverNote }),
};

interface HandoverState {
  list: HandoverList | null;
  status: 'idle' | 'loading' | 'ready' | 'error';
  error: unknown;
  /** Reads the list again (after a push, a reconnect, or our own change); concurrent calls share one read. */
  load(): Promise<void>;
}

const initial = { list: null, status: 'idle' as const, error: null };
let inFlight: Promise<void> | null = null;
let again = false;

/**
 * The hand-over notes other supervisors left unread and what is open now (GET /api/board/handover), shared by
 * the note at the top of the board and the form that writes one. Read on arrival, after every `board:handover`
 * push (ids only) and at every reconnect.
 */
export const useHandoverStore = create<HandoverState>()((set, get) => ({
  ...initial,
  load: () => {
    if (inFlight) {
      // A change arrived while reading: read once more after this one.
      again = true;
      return inFlight;
    }
    const generation = signedInGeneration();
    if (get().status !== 'ready') set({ status: 'loading' });
    inFlight = handoverApi
      .list()
      .then(
        (list) => {
          if (generation === signedInGeneration()) set({ list, status: 'ready', error: null });
        },
        (error: unknown) => {
          if (generation === signedInGeneration()) set({ status: 'error', error });
        },
      )
      .finally(() => {
        inFlight = null;
        if (again) {
          again = false;
          void get().load();
        }
      });
    return inFlight;
  },
}));

onSignedOut(() => useHandoverStore.setState(initial));

/** Follows `board:handover` pushes and reconnects (supervisors only) until the returned function is called. */
export function followHandover(socket: ConsoleSocket): () => void {
  const changed: ServerToClientEvents['board:handover'] = () => {
    if (useHandoverStore.getState().status !== 'idle') void useHandoverStore.getState().load();
  };
  const connected = () => changed({ noteId: '', change: 'written' });
  socket.on('board:handover', changed);
  socket.on('connect', connected);
  return () => {
    socket.off('board:handover', changed);
    socket.off('connect', connected);
  };
}
