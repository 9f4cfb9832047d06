import { once } from 'node:events';
import { setTimeout } from 'node:timers/promises';
import {
  CLIENT_EVENT_PERMISSIONS,
  type ClientToServerEvents,
  can,
  type EventRefused,
  rooms,
  type ServerToClientEvents,
} from '@korgon/domain';
import { type RedisSettings, redisConnection, socketKey } from '@korgon/jobs';
import { currentVersion } from '@korgon/queue';
import { createAdapter } from '@socket.io/redis-adapter';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { Server, type Socket } from 'socket.io';
import type { AuthContext } from './auth';
import { sameOrigin } from './security';

export interface SocketData {
  auth: AuthContext;
}
export type KorgonIo = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export type KorgonSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;

declare module 'fastify' {
  interface FastifyInstance {
    io: KorgonIo;
  }
}

/** Events one socket may send: a console pings every 15 s; a burst of 20 in 10 s is far beyond any console. */
export const SOCKET_EVENTS_PER_10S = 20;

/**
 * Socket.IO on the same HTTP server, fanned out across server processes (and from the worker's emitter)
 * through Redis with the official adapter. The handshake is checked like an HTTP request: our own Origin and
 * a live session cookie, or the connection is refused.
 */
export default fp(
  async (
    app: FastifyInstance,
    opts: { allowedOrigins: string[]; redis: RedisSettings; sessionCheckSeconds?: number },
  ) => {
    const io: KorgonIo = new Server(app.server, {
      path: '/socket.io',
      serveClient: false,
      // WebSocket only, as the console connects (apps/console/src/lib/socket.ts): one TCP connection per socket,
      // so any server behind the proxy can take any socket and no sticky sessions are needed (ADR 0005).
      transports: ['websocket'],
      allowRequest: (req, callback) => {
        const ok = sameOrigin(req.headers, opts.allowedOrigins);
        callback(ok ? null : 'origin not allowed', ok);
      },
    });
    // One connection publishes and one subscribes. ioredis sends a connection's commands in the order they
    // were issued, so this process's pushes reach the other processes in the order they were emitted.
    const pub = redisConnection(opts.redis.url, { name: 'korgon-socket-pub' });
    const sub = pub.duplicate({ connectionName: 'korgon-socket-sub' });
    const lost = (err: Error) =>
      app.log.warn({ err: { message: err.message } }, 'socket.io redis connection');
    pub.on('error', lost);
    sub.on('error', lost);
    io.adapter(createAdapter(pub, sub, { key: socketKey(opts.redis.prefix), requestsTimeout: 3000 }));

    io.use(async (socket, next) => {
      try {
        const token = app.parseCookie(socket.request.headers.cookie ?? '')[app.sessionCookie.name];
        const auth = token ? await app.auth.authenticate(token) : undefined;
        if (!auth) return next(new Error('unauthenticated: sign in first'));
        if (auth.user.mustChangePassword)
          return next(new Error('password_change_required: change the one-time password first'));
        socket.data.auth = auth;
        next();
      } catch (err) {
        app.log.warn({ err: { message: (err as Error).message } }, 'socket handshake failed');
        next(new Error('unavailable: try again'));
      }
    });

    // Every incoming event costs work (a ping reads PostgreSQL): a socket that sends too many is refused.
    const limiter = new RateLimiterMemory({ points: SOCKET_EVENTS_PER_10S, duration: 10 });
    // A socket lives no longer than its session: checked on every incoming event, and for every socket of
    // this process on a timer, without refreshing the session (an open console is not activity).
    const endExpired = (socket: KorgonSocket) => {
      socket.emit('session:ended', { reason: 'expired' });
      socket.disconnect(true);
    };
    /** Every incoming event names a permission, as every route does (CLIENT_EVENT_PERMISSIONS). */
    const refusal = (socket: KorgonSocket, event: string): EventRefused | null => {
      if (!Object.hasOwn(CLIENT_EVENT_PERMISSIONS, event))
        return { error: 'unknown_event', message: 'The server does not handle this event.' };
      const permission = CLIENT_EVENT_PERMISSIONS[event as keyof typeof CLIENT_EVENT_PERMISSIONS];
      const role = socket.data.auth.user.role;
      if (can(role, permission)) return null;
      return {
        error: 'forbidden',
        message: `Your role (${role}) does not allow this: it needs "${permission}".`,
      };
    };
    io.on('connection', (socket: KorgonSocket) => {
      socket.use((packet, next) => {
        limiter.consume(socket.id).then(
          async () => {
            const live = await app.auth.liveSessions([socket.data.auth.sessionId]).catch(() => null);
            // PostgreSQL away: the event is refused, the socket kept; the timer decides once it answers.
            if (!live) return next(new Error('unavailable: try again'));
            if (!live.has(socket.data.auth.sessionId)) {
              endExpired(socket);
              return next(new Error('session ended: sign in again'));
            }
            const refused = refusal(socket, String(packet[0]));
            if (refused) {
              // The ack (if any) is told why, so a console is not left waiting; the handler never runs.
              const ack = packet[packet.length - 1];
              if (typeof ack === 'function') ack(refused);
              return next(new Error(refused.message));
            }
            next();
          },
          () => next(new Error('too many events: slow down')),
        );
      });
      // A refused event is reported to the client as an 'error'; the server only logs it at debug.
      socket.on('error', (err) => app.log.debug({ err: { message: err.message } }, 'socket event refused'));
      socket.on('disconnect', () => void limiter.delete(socket.id));
      const { user, sessionId } = socket.data.auth;
      socket.join([rooms.user(user.id), rooms.role(user.role), rooms.session(sessionId)]);
      if (user.partnerOrgId) socket.join(rooms.partner(user.partnerOrgId));
      socket.on('ping', (ack) => {
        if (typeof ack !== 'function') return;
        currentVersion(app.pool).then(
          (queueVersion) => ack({ serverTime: new Date().toISOString(), queueVersion }),
          () => ack({ serverTime: new Date().toISOString(), queueVersion: -1 }),
        );
      });
    });

    const sweep = async () => {
      const local = [...io.of('/').sockets.values()];
      if (local.length === 0) return;
      const live = await app.auth.liveSessions([...new Set(local.map((s) => s.data.auth.sessionId))]);
      for (const socket of local) if (!live.has(socket.data.auth.sessionId)) endExpired(socket);
    };
    const sweeper = setInterval(
      () =>
        void sweep().catch((err: Error) =>
          app.log.warn({ err: { message: err.message } }, 'socket session check failed'),
        ),
      (opts.sessionCheckSeconds ?? 30) * 1000,
    );
    sweeper.unref();

    app.decorate('io', io);
    // Open sockets would keep the HTTP server from closing: drop this process's own before it closes.
    app.addHook('preClose', async () => {
      clearInterval(sweeper);
      // Every connection closed, not disconnected: a browser's socket.io reconnects by itself after a closed
      // connection ("transport close"), through the proxy to a server still running, but not after a server's
      // disconnect ("io server disconnect", meant for an ended session). This also closes the connections whose
      // handshake is still in the session check (they would otherwise become sockets after this and hold the
      // HTTP server's close open), and later upgrades are refused with 503, which the proxy retries elsewhere.
      io.engine.close();
    });
    app.addHook('onClose', async () => {
      await new Promise<void>((resolve) => io.close(() => resolve()));
      // The adapter subscribes as it is created, without handling a refusal: a server closed before its
      // subscriber is ready (`pnpm api:types` builds and closes one at once) would leave those promises
      // rejected and unhandled. Let the subscription land (or give up after a few seconds) before quitting.
      if (sub.status === 'connecting' || sub.status === 'connect' || sub.status === 'wait')
        await Promise.race([once(sub, 'ready'), setTimeout(3_000)]).catch(() => undefined);
      await Promise.all([pub.quit().catch(() => undefined), sub.quit().catch(() => undefined)]);
    });
  },
  { name: 'socket', dependencies: ['db', 'auth'] },
);
