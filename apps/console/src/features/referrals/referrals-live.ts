import type { ServerToClientEvents } from '@korgon/domain';
import type { ConsoleSocket } from '../../lib/socket';
import { useReferralsStore } from './referrals-store';

/**
 * Referral pushes over the console's socket: `referral:changed` goes to the referring operator and the
 * supervisors; the server sends it only to whom it concerns. Every (re)connect has the open views read their
 * referrals again. A partner's inbox follows its own event (`partner:referral`) in pages/inbox.
 */
export function followReferrals(socket: ConsoleSocket): () => void {
  const changed: ServerToClientEvents['referral:changed'] = (r) => useReferralsStore.getState().upsert(r);
  const connected = () => useReferralsStore.getState().reconnected();
  socket.on('referral:changed', changed);
  socket.on('connect', connected);
  return () => {
    socket.off('referral:changed', changed);
    socket.off('connect', connected);
  };
}
