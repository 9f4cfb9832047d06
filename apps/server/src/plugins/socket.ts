import { type ClientToServerEvents, rooms, type ServerToClientEvents } from '@korgon/domain';
import { currentVersion } from '@korgon/queue';
import { createAdapter } from '@socket.io/postgres-adapter';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import pg from 'pg';
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

/**
 * Socket.IO on the same HTTP server, fanned out across server processes through PostgreSQL. The handshake
 * is checked like an HTTP request: our own Origin and a live session cookie, or the connection is refused.
 */
export default fp(
  async (app: FastifyInstance, opts: { allowedOrigins: string[]; databaseUrl: string }) => {
    const io: KorgonIo = new Server(app.server, {
      path: '/socket.io',
      serveClient: false,
      allowRequest: (req, callback) => {
        const ok = sameOrigin(req.headers, opts.allowedOrigins);
        callback(ok ? null : 'origin not allowed', ok);
      },
    });
    // Its own pool: one connection LISTENs for as long as the server runs, and exactly one publishes. The
    // adapter awaits a NOTIFY before it delivers each broadcast, so a single publishing connection (served
    // first come, first served) keeps this process's pushes in the order they were emitted.
    const pool = new pg.Pool({
      connectionString: opts.databaseUrl,
      max: 2,
      application_name: 'korgon-socket',
    });
    const lost = (err: Error) =>
      app.log.warn({ err: { message: err.message } }, 'socket.io pool connection lost');
    pool.on('error', lost);
    // The adapter keeps one client checked out to LISTEN: its errors are not the pool's, and unhandled they
    // would end the process when PostgreSQL restarts.
    pool.on('connect', (client) => client.on('error', lost));
    io.adapter(
      createAdapter(pool, {
        errorHandler: (err) => app.log.warn({ err: { message: err.message } }, 'socket.io postgres adapter'),
      }),
    );

    io.use(async (socket, next) => {
      try {
        const token = app.parseCookie(socket.request.headers.cookie ?? '')[app.sessionCookie.name];
        const auth = token ? await app.auth.authenticate(token) : undefined;
        if (!auth) return next(new Error('unauthenticated: sign in first'));
        socket.data.auth = auth;
        next();
      } catch (err) {
        app.log.warn({ err: { message: (err as Error).message } }, 'socket handshake failed');
        next(new Error('unavailable: try again'));
      }
    });

    io.on('connection', (socket: KorgonSocket) => {
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

    app.decorate('io', io);
    // Open sockets would keep the HTTP server from closing: drop this process's own before it closes.
    app.addHook('preClose', async () => {
      io.local.disconnectSockets(true);
    });
    app.addHook('onClose', async () => {
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await pool.end();
    });
  },
  { name: 'socket', dependencies: ['db', 'auth'] },
);
