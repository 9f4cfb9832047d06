import type { ClientToServerEvents, QueueChange, ServerToClientEvents } from '@korgon/domain';
import { io, type Socket } from 'socket.io-client';

export type ConsoleSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A console's socket: connected with a session cookie and our Origin, like a browser. */
export async function connectConsole(
  baseUrl: string,
  cookie: string,
  origin = baseUrl,
): Promise<ConsoleSocket> {
  const s: ConsoleSocket = io(baseUrl, {
    path: '/socket.io',
    transports: ['websocket'],
    extraHeaders: { origin, cookie },
    reconnection: false,
  });
  await new Promise<void>((resolve, reject) => {
    s.once('connect', () => resolve());
    s.once('connect_error', (err) => reject(err));
  });
  return s;
}

/** Records every queue change a socket receives, and waits for one that matches. */
export function recordChanges(s: ConsoleSocket) {
  const changes: QueueChange[] = [];
  const waiters: { match: (c: QueueChange) => boolean; resolve: (c: QueueChange) => void }[] = [];
  s.on('queue:change', (c) => {
    changes.push(c);
    for (const w of [...waiters]) {
      if (w.match(c)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(c);
      }
    }
  });
  return {
    changes,
    next(match: (c: QueueChange) => boolean, timeoutMs = 10_000): Promise<QueueChange> {
      const seen = changes.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no matching queue change arrived')), timeoutMs);
        waiters.push({
          match,
          resolve: (c) => {
            clearTimeout(timer);
            resolve(c);
          },
        });
      });
    },
  };
}
