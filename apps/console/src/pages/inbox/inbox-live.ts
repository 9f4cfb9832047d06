import type { ServerToClientEvents } from '@korgon/domain';
import type { ConsoleSocket } from '../../lib/socket';
import { inboxPushed, reloadInbox } from './inbox-query';

/** A partner organisation's staff receive `partner:referral`; every (re)connect reads the inbox again. */
export function followInbox(socket: ConsoleSocket): () => void {
  const pushed: ServerToClientEvents['partner:referral'] = (r) => inboxPushed(r);
  const connected = () => reloadInbox();
  socket.on('partner:referral', pushed);
  socket.on('connect', connected);
  return () => {
    socket.off('partner:referral', pushed);
    socket.off('connect', connected);
  };
}
