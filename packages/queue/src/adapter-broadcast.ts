import type pg from 'pg';

/**
 * Broadcasts to the consoles from a process without sockets (the worker), through the channel the servers'
 * @socket.io/postgres-adapter listens on, as a cluster BROADCAST message from an emitter. (The official
 * @socket.io/postgres-emitter 0.1.x omits the namespace that adapter 0.5 routes by, so its messages are
 * dropped; this sends the adapter's own message shape.) NOTIFY payloads are limited to 8000 bytes: larger
 * ones are not sent, and the consoles catch up by their own checks (versions, refetch on reconnect).
 */
const CHANNEL = 'socket.io#/';
const NOTIFY_LIMIT = 7900;

export type Broadcast = (rooms: string[], event: string, payload: unknown) => void;

export function createAdapterBroadcast(pool: pg.Pool, log: (msg: string) => void): Broadcast {
  // One connection at a time keeps the messages in the order they were sent.
  let chain: Promise<unknown> = Promise.resolve();
  return (rooms, event, payload) => {
    const message = JSON.stringify({
      uid: 'emitter',
      nsp: '/',
      type: 3, // BROADCAST
      data: { packet: { type: 2, data: [event, payload], nsp: '/' }, opts: { rooms, except: [], flags: {} } },
    });
    if (Buffer.byteLength(message) > NOTIFY_LIMIT) {
      log(`${event} too large to push (${Buffer.byteLength(message)} bytes); consoles will catch up`);
      return;
    }
    chain = chain
      .then(() => pool.query('SELECT pg_notify($1, $2)', [CHANNEL, message]))
      .catch((err: Error) => log(`push of ${event} failed: ${err.message}`));
  };
}
