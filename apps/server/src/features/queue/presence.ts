import { rooms } from '@korgon/domain';
import type { FastifyInstance } from 'fastify';
import type { KorgonSocket } from '../../plugins/socket';
import { createQueueRepository } from './repository';
import type { QueueService } from './service';

const WATCHED = new Set(['operator', 'supervisor']);
const SWEEP_LOCK = [5200, 4] as const;

/**
 * Operators follow their consoles: opening one brings an offline operator in as available; when the last one
 * closes (tab closed, laptop asleep) they turn offline after a grace period. A sweep every minute, run by
 * one server at a time, catches what a restarted server's timers forgot.
 */
export function startPresence(app: FastifyInstance, service: QueueService, graceSeconds: number) {
  const graceMs = graceSeconds * 1000;
  const timers = new Map<string, NodeJS.Timeout>();

  const goOfflineIfGone = async (userId: string) => {
    const sockets = await app.io.in(rooms.user(userId)).fetchSockets();
    if (sockets.length > 0) return;
    const user = await app.auth.userById(userId);
    if (user) await service.setStatus(user, 'offline', { onlyIf: ['available', 'break', 'wrap_up'] });
  };

  app.io.on('connection', (socket: KorgonSocket) => {
    const { user } = socket.data.auth;
    if (!WATCHED.has(user.role)) return;
    clearTimeout(timers.get(user.id));
    timers.delete(user.id);
    service
      .setStatus(user, 'available', { onlyIf: ['offline'] })
      .catch((err: Error) =>
        app.log.warn({ err: { message: err.message } }, 'presence: could not set available'),
      );
    socket.on('disconnect', () => {
      clearTimeout(timers.get(user.id));
      const timer = setTimeout(() => {
        timers.delete(user.id);
        goOfflineIfGone(user.id).catch((err: Error) =>
          app.log.warn({ err: { message: err.message } }, 'presence check failed'),
        );
      }, graceMs);
      timer.unref();
      timers.set(user.id, timer);
    });
  });

  const sweep = async () => {
    const client = await app.pool.connect();
    try {
      const repo = createQueueRepository(client);
      if (!(await repo.trySweepLock(SWEEP_LOCK))) return;
      try {
        const stale = await repo.staleOperators(graceSeconds);
        if (stale.length === 0) return;
        const connected = new Set((await app.io.fetchSockets()).map((s) => s.data.auth.user.id));
        for (const userId of stale) if (!connected.has(userId)) await goOfflineIfGone(userId);
      } finally {
        await repo.releaseSweepLock(SWEEP_LOCK);
      }
    } finally {
      client.release();
    }
  };
  const interval = setInterval(
    () => {
      sweep().catch((err: Error) => app.log.warn({ err: { message: err.message } }, 'presence sweep failed'));
    },
    Math.max(graceMs, 60_000),
  );
  interval.unref();
  app.addHook('onClose', async () => {
    clearInterval(interval);
    for (const t of timers.values()) clearTimeout(t);
  });
}
