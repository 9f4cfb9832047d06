import { ErrorBody, Me, rooms, UpdateMeBody } from '@korgon/domain';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authOf } from '../../plugins/auth';
import { createAuthRepository } from '../auth/repository';
import { toMe } from '../auth/service';

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
};
export default me;
