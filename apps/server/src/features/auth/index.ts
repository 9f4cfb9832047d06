import { writeAudit } from '@korgon/db';
import {
  EnrolmentStart,
  ErrorBody,
  LoginBody,
  Me,
  OkBody,
  RECOVERY_CODE_COUNT,
  RecoveryCodes,
  rooms,
  SecondFactorStatus,
  SecondFactorVerifyBody,
  SessionIdParams,
  SessionInfo,
  TotpCodeBody,
} from '@korgon/domain';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NotFoundError } from '../../errors';
import { authOf } from '../../plugins/auth';
import { createAuthRepository } from './repository';
import type { FactorSession } from './second-factor-service';
import { toMe, toPendingMe, toSessionInfo } from './service';

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
  const originOf = (req: FastifyRequest) => {
    const raw = req.cookies[deviceCookie];
    const unsigned = raw ? req.unsignCookie(raw) : null;
    return {
      ip: req.ip,
      userAgent: req.headers['user-agent'] ?? null,
      device: unsigned?.valid ? unsigned.value : null,
    };
  };
  /** Once the sign-in is complete (password, and the second factor where needed): a known device. */
  const setDevice = (reply: FastifyReply, device: string) =>
    reply.setCookie(deviceCookie, device, {
      path: '/',
      httpOnly: true,
      sameSite: 'strict',
      secure,
      maxAge: deviceMaxAgeSeconds,
      signed: true,
    });
  const factorSession = (req: FastifyRequest): FactorSession => {
    const { sessionId, user, pending } = authOf(req);
    return { sessionId, user, pending: pending ?? null };
  };

  app.post(
    '/api/auth/login',
    {
      config: { public: true, rateLimit: { max: 120, timeWindow: '1 minute' } },
      preHandler: app.rateLimit({ max: 120, timeWindow: '1 minute' }),
      schema: {
        tags,
        summary:
          "Sign in with a username and password; sets the session cookie. Where a second factor is needed the session is pending: the answer's `next` says which step comes (`totp`: POST /api/auth/second-factor/verify; `enrol`: set it up first)",
        security: [],
        body: LoginBody,
        response: { 200: Me, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 429: ErrorBody },
      },
    },
    async (req, reply) => {
      const { token, me, device } = await app.auth.login(req.body.username, req.body.password, originOf(req));
      reply.setCookie(name, token, {
        path: '/',
        httpOnly: true,
        sameSite: 'strict',
        secure,
        maxAge: maxAgeSeconds,
      });
      if (device) setDevice(reply, device);
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
    async (req) => {
      const { user, pending } = authOf(req);
      return pending ? toPendingMe(user, pending) : toMe(user);
    },
  );

  // ── the second factor (docs/security.md "Second factor") ────────────────────────────────────────────
  const factorLimit = { max: 120, timeWindow: '1 minute' };

  app.post(
    '/api/auth/second-factor/enrol',
    {
      config: { permission: 'sessions:own', rateLimit: factorLimit },
      preHandler: app.rateLimit(factorLimit),
      schema: {
        tags,
        summary:
          'Start setting up the second factor: a new secret, its otpauth URI and QR code for an authenticator app (a pending `enrol` session, or a full one without a second factor)',
        response: { 200: EnrolmentStart, 401: ErrorBody, 409: ErrorBody, 429: ErrorBody },
      },
    },
    async (req, reply) => {
      reply.header('cache-control', 'no-store');
      return app.secondFactor.startEnrolment(factorSession(req));
    },
  );

  app.post(
    '/api/auth/second-factor/enrol/confirm',
    {
      config: { permission: 'sessions:own', rateLimit: factorLimit },
      preHandler: app.rateLimit(factorLimit),
      schema: {
        tags,
        summary: `Finish setting up the second factor with a code from the app: answers ${RECOVERY_CODE_COUNT} recovery codes, shown this once, and completes a pending sign-in (audited)`,
        body: TotpCodeBody,
        response: {
          200: RecoveryCodes.extend({ me: Me }),
          400: ErrorBody,
          401: ErrorBody,
          409: ErrorBody,
          429: ErrorBody,
        },
      },
    },
    async (req, reply) => {
      const origin = originOf(req);
      const done = await app.secondFactor.confirmEnrolment(factorSession(req), req.body.code, origin);
      setDevice(reply, done.device);
      reply.header('cache-control', 'no-store');
      return { recoveryCodes: done.recoveryCodes, me: done.me };
    },
  );

  app.post(
    '/api/auth/second-factor/verify',
    {
      config: { permission: 'sessions:own', rateLimit: factorLimit },
      preHandler: app.rateLimit(factorLimit),
      schema: {
        tags,
        summary:
          "The sign-in's second step: the 6-digit code of the authenticator app, or a recovery code (spent). A wrong code counts in the sign-in throttle",
        body: SecondFactorVerifyBody,
        response: { 200: Me, 400: ErrorBody, 401: ErrorBody, 409: ErrorBody, 429: ErrorBody },
      },
    },
    async (req, reply) => {
      const done = await app.secondFactor.verify(factorSession(req), req.body.code, originOf(req));
      setDevice(reply, done.device);
      return done.me;
    },
  );

  app.get(
    '/api/me/second-factor',
    {
      config: { permission: 'me:read' },
      schema: {
        tags,
        summary: 'Your second factor: set up or not, recovery codes left, whether your role needs it',
        response: { 200: SecondFactorStatus, 401: ErrorBody },
      },
    },
    async (req) => app.secondFactor.status(authOf(req).user),
  );

  app.post(
    '/api/me/second-factor/recovery-codes',
    {
      config: { permission: 'me:update' },
      schema: {
        tags,
        summary: `New recovery codes for a current code (the old ones stop working): ${RECOVERY_CODE_COUNT}, shown this once (audited)`,
        body: TotpCodeBody,
        response: { 200: RecoveryCodes, 400: ErrorBody, 401: ErrorBody, 409: ErrorBody, 429: ErrorBody },
      },
    },
    async (req, reply) => {
      reply.header('cache-control', 'no-store');
      const codes = await app.secondFactor.regenerateRecoveryCodes(
        factorSession(req),
        req.body.code,
        originOf(req),
      );
      return { recoveryCodes: codes };
    },
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
