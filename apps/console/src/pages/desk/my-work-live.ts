import type { ServerToClientEvents } from '@korgon/domain';
import { queryClient } from '../../lib/query-client';
import { queryKeys } from '../../lib/query-keys';
import type { ConsoleSocket } from '../../lib/socket';

/**
 * `my-work:changed` (to the user's own room, from every device she is signed in on): her drafts, her recent
 * consultations and her shift's figures are read again at once instead of at the next 30 s reload.
 */
export function followMyWork(socket: ConsoleSocket): () => void {
  const changed: ServerToClientEvents['my-work:changed'] = () =>
    void queryClient.invalidateQueries({ queryKey: queryKeys.myWork.all });
  socket.on('my-work:changed', changed);
  return () => {
    socket.off('my-work:changed', changed);
  };
}
