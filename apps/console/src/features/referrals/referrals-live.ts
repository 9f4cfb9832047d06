import type { ServerToClientEvents } from '@korgon/domain';
import type { ConsoleSocket } from '../../lib/socket';
import { useInboxStore } from '../inbox/inbox-store';
import { useReferralsStore } from './referrals-store';

/**
 * Referral pushes over the console's socket: `referral:changed` (the referring operator and the supervisors),
 * `partner:referral` (a partner organisation's staff). The server sends each
 * only to whom it concerns. Every (re)connect has the open views read their referrals again.
 */
export function followReferrals(socket: ConsoleSocket): () => void {
  const changed: ServerToClientEvents['referral:changed'] = (r) => useReferralsStore.getState().upsert(r);
  const partner: ServerToClientEvents['partner:referral'] = (r) => useInboxStore.getState().pushed(r);
  const connected = () => {
    useReferralsStore.getState().reconnected();
    useInboxStore.getState().reconnected();
  };
  socket.on('referral:changed', changed);
  socket.on('partner:referral', partner);
  socket.on('connect', connected);
  return () => {
    socket.off('referral:changed', changed);
    socket.off('partner:referral', partner);
    socket.off('connect', connected);
  };
}
