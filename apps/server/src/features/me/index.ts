import { writeAudit } from '@korgon/db';
import { ChangePasswordBody, ErrorBody, Me, OkBody, rooms, UpdateMeBody } from '@korgon/domain';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { AppError, TooManyRequestsError } from '../../errors';
import { authOf } from '../../plugins/auth';
import { hashPassword, verifyPassword } from '../auth/passwords';
import { createAuthRepository } from '../auth/repository';
import { THROTTLE, toMe } from '../auth/service';

/** The signed-in user's own preferences (the console language is remembered per user). */
const me: FastifyPluginAsyncZod = async (app) => {
  const repo = createAuthRepository(app.db);
  app.patch(
    '/api/me',
    {
      config: { permission: 'me:update' },
      schema: {
        tags: ['auth'],
        summary: 'Change your own preferences (console language)',
        body: UpdateMeBody,
        response: { 200: Me, 400: ErrorBody, 401: ErrorBody },
      },
    },
    async (req) => {
      const { user } = authOf(req);
      await repo.setLocale(user.id, req.body.locale);
      app.io.to(rooms.user(user.id)).emit('me:updated', { locale: req.body.locale });
      return toMe({ ...user, locale: req.body.locale });
    },
  );

  app.post(
    '/api/me/password',
    {
      config: { permission: 'me:update' },
      schema: {
        tags: ['auth'],
        summary: 'Change your own password; your other sessions are ended',
        body: ChangePasswordBody,
        response: { 200: OkBody, 400: ErrorBody, 401: ErrorBody, 429: ErrorBody },
      },
    },
    async (req) => {
      const { user, sessionId } = authOf(req);
      // Someone holding a stolen session must not be able to guess the password here either.
      const throttleKey = `password:${user.id}`;
      const locked = await repo.lockedFor([throttleKey]);
      if (locked > 0)
        throw new TooManyRequestsError(
          `Too many wrong passwords. Try again in ${Math.ceil(locked / 60)} minutes.`,
          locked,
        );
      const hash = await repo.passwordHashOf(user.id);
      if (!hash || !(await verifyPassword(hash, req.body.currentPassword))) {
        const { max, windowSeconds, lockSeconds } = THROTTLE.account;
        const lock = await repo.recordFailure(throttleKey, max, windowSeconds, lockSeconds);
        if (lock > 0)
          throw new TooManyRequestsError(
            `Too many wrong passwords. Try again in ${Math.ceil(lock / 60)} minutes.`,
            lock,
          );
        throw new AppError(400, 'wrong_password', 'The current password is not correct.', {
          issues: [{ path: 'body.currentPassword', message: 'The current password is not correct.' }],
        });
      }
      await repo.clearFailures(throttleKey);
      const newHash = await hashPassword(req.body.newPassword);
      const ended = await app.db.transaction(async (tx) => {
        const txRepo = createAuthRepository(tx);
        await txRepo.setPasswordHash(user.id, newHash);
        const others = await txRepo.endOtherSessions(user.id, sessionId, 'password_changed');
        await writeAudit(tx, {
          action: 'auth.password_changed',
          actorId: user.id,
          actorRole: user.role,
          targetType: 'user',
          targetId: user.id,
          details: { sessionsEnded: others.length },
        });
        return others;
      });
      for (const s of ended) {
        app.io.to(rooms.session(s.id)).emit('session:ended', { reason: 'revoked' });
        app.io.in(rooms.session(s.id)).disconnectSockets(true);
      }
      return { ok: true as const };
    },
  );
};
export default me;
