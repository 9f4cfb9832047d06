import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { can } from '@korgon/domain';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from './errors';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/**
 * bull-board, for admins: every queue's jobs by state, with retry and clean. It lives outside /api (it is a
 * page with its own API), in a context of its own whose every request must carry an admin's session: the
 * root auth hook has already read the session, the same security hooks (CSP, Origin check on changes,
 * no-store) apply, and a job's payload holds ids only, never personal data.
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
