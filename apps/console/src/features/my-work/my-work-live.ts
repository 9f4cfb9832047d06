import type { ServerToClientEvents } from '@korgon/domain';
import { create } from 'zustand';
import type { ConsoleSocket } from '../../lib/socket';

interface MyWorkLiveState {
  /** Bumped when one of my consultations was created or finalized on any device: "My work" reads again. */
  epoch: number;
  changed(): void;
}

export const useMyWorkLive = create<MyWorkLiveState>()((set) => ({
  epoch: 0,
  changed: () => set((s) => ({ epoch: s.epoch + 1 })),
}));

/**
 * `my-work:changed` (to the user's own room, from every device she is signed in on): her drafts, her recent
 * consultations and her shift's figures are read again at once instead of at the next 30 s reload.
 */
export function followMyWork(socket: ConsoleSocket): () => void {
  const changed: ServerToClientEvents['my-work:changed'] = () => useMyWorkLive.getState().changed();
  socket.on('my-work:changed', changed);
  return () => {
    socket.off('my-work:changed', changed);
  };
}
