import {
  CreateWallDisplayBody,
  ErrorBody,
  Me,
  PairWallBody,
  rooms,
  WallDisplay,
  WallDisplayIdParams,
  WallPairingCode,
} from '@korgon/domain';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { authOf } from '../../plugins/auth';
import { createWallDisplaysService } from './service';

const tags = ['wall displays'];
const guarded = { 401: ErrorBody, 403: ErrorBody };

/**
 * Wall displays (docs/board.md): administrators create, re-pair and revoke them; a screen pairs with a
 * one-time code and gets a read-only session (role wall: its own figures and its socket, nothing else).
 */
const wallDisplays: FastifyPluginAsyncZod<{
  sessionSecret: string;
  publicUrl: string;
  sessionDays: number;
}> = async (app, opts) => {
  const service = createWallDisplaysService(app.db, opts);

  /** Tells the screens of ended sessions at once (they go to their pairing page), then drops their sockets. */
  const endScreens = (sessionIds: string[]) => {
    for (const id of sessionIds) {
      app.io.to(rooms.session(id)).emit('session:ended', { reason: 'revoked' });
      app.io.in(rooms.session(id)).disconnectSockets(true);
    }
  };

  app.get(
    '/api/admin/wall-displays',
    {
      config: { permission: 'users:read' },
      schema: {
        tags,
        summary: 'Wall displays: who made each, whether a screen is paired, and its live sessions',
        response: { 200: z.array(WallDisplay), ...guarded },
      },
    },
    async () => service.list(),
  );

  app.post(
    '/api/admin/wall-displays',
    {
      config: { permission: 'users:manage' },
      schema: {
        tags,
        summary:
          'Create a wall display (its read-only account) and its first one-time pairing code, shown once (audited)',
        body: CreateWallDisplayBody,
        response: { 201: WallPairingCode, 400: ErrorBody, ...guarded },
      },
    },
    async (req, reply) => {
      const issued = await service.create(req.body, authOf(req).user);
      return reply.code(201).header('cache-control', 'no-store').send(issued);
    },
  );

  app.post(
    '/api/admin/wall-displays/:id/pairing',
    {
      config: { permission: 'users:manage' },
      schema: {
        tags,
        summary:
          'A new one-time pairing code for a display (the earlier code stops working; a revoked display is active again). The screen paired now keeps its session until the new code is used (audited)',
        params: WallDisplayIdParams,
        response: { 200: WallPairingCode, 404: ErrorBody, ...guarded },
      },
    },
    async (req, reply) => {
      const issued = await service.newCode(req.params.id, authOf(req).user);
      reply.header('cache-control', 'no-store');
      return issued;
    },
  );

  app.post(
    '/api/admin/wall-displays/:id/revoke',
    {
      config: { permission: 'users:manage' },
      schema: {
        tags,
        summary:
          "Revoke a wall display: its screen's session ends at once (the screen shows its pairing page) and its account is deactivated (audited)",
        params: WallDisplayIdParams,
        response: { 200: WallDisplay, 404: ErrorBody, ...guarded },
      },
    },
    async (req) => {
      const { display, endedSessions } = await service.revoke(req.params.id, authOf(req).user);
      endScreens(endedSessions);
      return display;
    },
  );

  const { name, secure } = app.sessionCookie;
  const maxAgeSeconds = opts.sessionDays * 86_400;
  app.post(
    '/api/wall/pair',
    {
      config: { public: true, rateLimit: { max: 30, timeWindow: '1 minute' } },
      preHandler: app.rateLimit({ max: 30, timeWindow: '1 minute' }),
      schema: {
        tags,
        summary:
          "Pair a screen with a wall display's one-time code: sets a session cookie for its read-only account, valid WALL_SESSION_DAYS days (audited)",
        security: [],
        body: PairWallBody,
        response: { 200: Me, 400: ErrorBody, 401: ErrorBody, 429: ErrorBody },
      },
    },
    async (req, reply) => {
      const paired = await service.pair(
        req.body.code,
        { ip: req.ip, userAgent: req.headers['user-agent'] ?? null },
        app.auth.sessionIdOf,
      );
      // One display, one screen: a screen paired before with this display goes back to its pairing page.
      endScreens(paired.endedSessions);
      reply.setCookie(name, paired.token, {
        path: '/',
        httpOnly: true,
        sameSite: 'strict',
        secure,
        maxAge: maxAgeSeconds,
      });
      return paired.me;
    },
  );
};
export default wallDisplays;
