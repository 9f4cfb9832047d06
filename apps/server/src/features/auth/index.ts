import { writeAudit } from '@korgon/db';
import { ErrorBody, LoginBody, Me, OkBody, rooms, SessionIdParams, SessionInfo } from '@korgon/domain';
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NotFoundError } from '../../errors';
import { authOf } from '../../plugins/auth';
import { createAuthRepository } from './repository';
import { toMe, toSessionInfo } from './service';

const tags = ['auth'];

/** Sign-in, sign-out, who am I, and one's own sessions. */
const auth: FastifyPluginAsyncZod = async (app) => {
  const repo = createAuthRepository(app.db);
  const { name, secure, maxAgeSeconds } = app.sessionCookie;
  // Remembers the accounts that signed in on this browser, so its owner is spared strangers' sign-in locks.
  const deviceCookie = secure ? '__Host-korgon_device' : 'korgon_device';
  const deviceMaxAgeSeconds = 400 * 24 * 3600;
  const clearCookie = (reply: FastifyReply) =>
    reply.clearCookie(name, { path: '/', httpOnly: true, sameSite: 'strict', secure });

  app.post(
    '/api/auth/login',
    {
      config: { public: true, rateLimit: { max: 120, timeWindow: '1 minute' } },
      preHandler: app.rateLimit({ max: 120, timeWindow: '1 minute' }),
      schema: {
        tags,
        summary: 'Sign in with a username and password; sets the session cookie',
        security: [],
        body: LoginBody,
        response: { 200: Me, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 429: ErrorBody },
      },
    },
    async (req, reply) => {
      const raw = req.cookies[deviceCookie];
      const unsigned = raw ? req.unsignCookie(raw) : null;
      const { token, me, device } = await app.auth.login(req.body.username, req.body.password, {
        ip: req.ip,
        userAgent: req.headers['user-agent'] ?? null,
        device: unsigned?.valid ? unsigned.value : null,
      });
      reply.setCookie(name, token, {
        path: '/',
        httpOnly: true,
        sameSite: 'strict',
        secure,
        maxAge: maxAgeSeconds,
      });
      reply.setCookie(deviceCookie, device, {
        path: '/',
        httpOnly: true,
        sameSite: 'strict',
        secure,
        maxAge: deviceMaxAgeSeconds,
        signed: true,
      });
      return me;
    },
  );

  app.post(
    '/api/auth/logout',
    {
      config: { permission: 'sessions:own' },
      schema: {
        tags,
        summary: 'Sign out: ends this session',
        response: { 200: OkBody, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (req, reply) => {
      const { sessionId, user } = authOf(req);
      await app.auth.logout(sessionId, user, req.ip);
      app.io.to(rooms.session(sessionId)).emit('session:ended', { reason: 'logout' });
      app.io.in(rooms.session(sessionId)).disconnectSockets(true);
      clearCookie(reply);
      return { ok: true as const };
    },
  );

  app.get(
    '/api/auth/me',
    {
      config: { permission: 'me:read' },
      schema: {
        tags,
        summary: 'The signed-in user, role and permissions',
        response: { 200: Me, 401: ErrorBody },
      },
    },
    async (req) => toMe(authOf(req).user),
  );

  app.get(
    '/api/auth/sessions',
    {
      config: { permission: 'sessions:own' },
      schema: {
        tags,
        summary: "The signed-in user's live sessions",
        response: { 200: z.array(SessionInfo), 401: ErrorBody },
      },
    },
    async (req) => {
      const { user, sessionId } = authOf(req);
      const rows = await repo.liveSessionsOf(user.id);
      return rows.map((s) => toSessionInfo(s, sessionId));
    },
  );

  app.delete(
    '/api/auth/sessions/:id',
    {
      config: { permission: 'sessions:own' },
      schema: {
        tags,
        summary: 'End one of your own sessions (for example on a device left signed in)',
        params: SessionIdParams,
        response: { 200: OkBody, 401: ErrorBody, 404: ErrorBody },
      },
    },
    async (req, reply) => {
      const { user, sessionId } = authOf(req);
      const ended = await repo.endSession(req.params.id, 'logout', user.id);
      if (!ended) throw new NotFoundError('That session');
      await writeAudit(app.db, {
        action: 'auth.session_revoked',
        actorId: user.id,
        actorRole: user.role,
        targetType: 'session',
        targetId: ended.id.slice(0, 16),
        details: { own: true },
      });
      app.io.to(rooms.session(ended.id)).emit('session:ended', { reason: 'revoked' });
      app.io.in(rooms.session(ended.id)).disconnectSockets(true);
      if (ended.id === sessionId) clearCookie(reply);
      return { ok: true as const };
    },
  );
};

export default auth;
