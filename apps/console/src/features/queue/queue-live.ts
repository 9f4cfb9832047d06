import type { ConsoleSocket } from '../../lib/socket';
import { queueApi } from './queue-api';
import { createQueueSync, PING_INTERVAL_MS, type Pong, type QueueSync } from './queue-sync';

const PING_TIMEOUT_MS = 10_000;

let active: QueueSync | null = null;

/** Follows the live queue over this socket until the returned function is called. */
export function followQueue(socket: ConsoleSocket): () => void {
  const sync = createQueueSync({
    fetchSnapshot: () => queueApi.snapshot(),
    ping: () =>
      new Promise<Pong>((resolve, reject) => {
        socket.timeout(PING_TIMEOUT_MS).emit('ping', (err, pong) => (err ? reject(err) : resolve(pong)));
      }),
  });
  active = sync;

  const onConnect = () => sync.connected();
  const onDisconnect = () => sync.disconnected();
  socket.on('connect', onConnect);
  socket.on('disconnect', onDisconnect);
  socket.on('queue:change', sync.change);
  if (socket.connected) sync.connected();

  const interval = window.setInterval(() => void sync.check(), PING_INTERVAL_MS);
  // Back from sleep or from a hidden tab: ask at once rather than at the next ping.
  const onVisible = () => {
    if (document.visibilityState === 'visible') void sync.check();
  };
  document.addEventListener('visibilitychange', onVisible);

  return () => {
    window.clearInterval(interval);
    document.removeEventListener('visibilitychange', onVisible);
    socket.off('connect', onConnect);
    socket.off('disconnect', onDisconnect);
    socket.off('queue:change', sync.change);
    sync.stop();
    if (active === sync) active = null;
  };
}

/** After our own change (a claim, a state): make sure the push arrived, or fetch a snapshot. */
export function checkQueue(): void {
  void active?.check();
}

/** Something we were told contradicts the store (a 409 or 404): read the server's state now. */
export function resyncQueue(): void {
  void active?.resync();
}
