import { type QueueChange, rooms } from '@korgon/domain';
import type { Publish } from '@korgon/queue';
import type pg from 'pg';

/**
 * The worker has no sockets: it hands live changes to the servers through the channel their
 * @socket.io/postgres-adapter listens on, as a cluster BROADCAST message from an emitter. (The official
 * @socket.io/postgres-emitter 0.1.x omits the namespace that adapter 0.5 routes by, so its messages are
 * dropped; this sends the adapter's own message shape.) A change that cannot be pushed is not lost: the
 * consoles compare versions on every ping and take a fresh snapshot.
 */
const CHANNEL = 'socket.io#/';
const NOTIFY_LIMIT = 7900;
const QUEUE_ROOMS = [rooms.role('operator'), rooms.role('supervisor')];

export function createWorkerPublisher(pool: pg.Pool, log: (msg: string) => void): Publish {
  return (changes: readonly QueueChange[]) => {
    for (const change of changes) {
      const message = JSON.stringify({
        uid: 'emitter',
        nsp: '/',
        type: 3, // BROADCAST
        data: {
          packet: { type: 2, data: ['queue:change', change], nsp: '/' },
          opts: { rooms: QUEUE_ROOMS, except: [], flags: {} },
        },
      });
      if (Buffer.byteLength(message) > NOTIFY_LIMIT) {
        log(`queue change ${change.version} too large to push; consoles will catch up by version`);
        continue;
      }
      pool
        .query('SELECT pg_notify($1, $2)', [CHANNEL, message])
        .catch((err: Error) => log(`push failed: ${err.message}`));
    }
  };
}
