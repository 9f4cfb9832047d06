import type { ServerToClientEvents } from '@korgon/domain';
import type { ConsoleSocket } from '../../lib/socket';
import { useFollowUpsStore } from './follow-ups-store';

/**
 * Follow-up pushes: `follow-up:raised` when one reaches its time, `follow-up:changed` when it is taken,
 * started, done, missed or cancelled; the server sends them to the assignee (the shift's: every operator) and
 * the supervisors. Every (re)connect has the worklists read again.
 */
export function followFollowUps(socket: ConsoleSocket): () => void {
  const upsert: ServerToClientEvents['follow-up:raised'] = (f) => useFollowUpsStore.getState().upsert(f);
  const connected = () => useFollowUpsStore.getState().reconnected();
  socket.on('follow-up:raised', upsert);
  socket.on('follow-up:changed', upsert);
  socket.on('connect', connected);
  return () => {
    socket.off('follow-up:raised', upsert);
    socket.off('follow-up:changed', upsert);
    socket.off('connect', connected);
  };
}
