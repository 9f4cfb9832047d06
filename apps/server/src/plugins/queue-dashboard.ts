import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { can } from '@korgon/domain';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from './errors';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A route's own helmet settings, over the app's (plugins/security.ts reads them from the route's config). */
    helmet?: { contentSecurityPolicy: typeof DASHBOARD_CSP };
  }
}

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/**
 * The app's CSP with the two things bull-board's page needs: its `<base href>` (its files are relative to
 * it) and the inline styles its components set. Scripts stay 'self' only, and nothing loads from elsewhere
 * (its web font from Google is refused: an admin's browser tells no one it opened the dashboard).
 */
const DASHBOARD_CSP = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", 'data:'],
    fontSrc: ["'self'"],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
};

/**
 * bull-board, for admins: every queue's jobs by state, with retry and clean. It lives outside /api (it is a
 * page with its own API), in a context of its own whose every request must carry an admin's session: the
 * root auth hook has already read the session, the same security hooks (Origin check on changes, no-store)
 * apply with a CSP of its own (below), and a job's payload holds ids only, never personal data.
 */
export default async function queueDashboard(app: FastifyInstance) {
  const adapter = new FastifyAdapter();
  adapter.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({
    queues: Object.values(app.jobs.queues).map((q) => new BullMQAdapter(q)),
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: 'Korgon jobs' } },
  });
  await app.register(async (scope) => {
    // The security plugin takes a route's own helmet settings from its config: the dashboard's CSP.
    scope.addHook('onRoute', (route) => {
      route.config = { ...(route.config ?? {}), helmet: { contentSecurityPolicy: DASHBOARD_CSP } };
    });
    // Answered here, not thrown: bull-board's routes have an error handler of their own.
    scope.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
      if (!req.auth)
        return sendError(reply, 401, {
          code: 'unauthenticated',
          message: 'Sign in as an administrator to see the job queues.',
        });
      if (!can(req.auth.user.role, 'jobs:manage'))
        return sendError(reply, 403, {
          code: 'forbidden',
          message: `Your role (${req.auth.user.role}) does not allow this: the queue dashboard needs "jobs:manage".`,
        });
    });
    await scope.register(adapter.registerPlugin(), { prefix: QUEUE_DASHBOARD_PATH });
  });
}
