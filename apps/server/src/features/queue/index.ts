import {
  CallIdParams,
  ClaimBody,
  ClaimResult,
  ErrorBody,
  OperatorView,
  QueueSnapshot,
  SetStatusBody,
} from '@korgon/domain';
import { operatorViews } from '@korgon/queue';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { NotFoundError } from '../../errors';
import { authOf } from '../../plugins/auth';
import { startPresence } from './presence';
import { createLiveSink } from './publisher';
import { createQueueService } from './service';

const tags = ['queue'];
const guarded = { 401: ErrorBody, 403: ErrorBody };

/** The live queue over HTTP; changes are pushed as `queue:change` (docs/realtime.md). */
const queue: FastifyPluginAsyncZod<{ offlineGraceSeconds: number }> = async (app, opts) => {
  const service = createQueueService(app.pool, createLiveSink(app));
  startPresence(app, service, opts.offlineGraceSeconds);

  app.get(
    '/api/queue',
    {
      config: { permission: 'queue:read' },
      schema: {
        tags,
        summary: 'Snapshot of the live queue: calls on the line, operators and their states, and the version',
        response: { 200: QueueSnapshot, ...guarded },
      },
    },
    async () => service.snapshot(),
  );

  app.post(
    '/api/queue/calls/:id/claim',
    {
      config: { permission: 'queue:claim' },
      schema: {
        tags,
        summary: 'Take a waiting call; opens its consultation draft. 409 when someone else took it first',
        params: CallIdParams,
        body: ClaimBody.nullish(),
        response: { 200: ClaimResult, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody, ...guarded },
      },
    },
    async (req) => service.claim(req.params.id, authOf(req).user, req.body?.consultationId),
  );

  app.put(
    '/api/operators/me/status',
    {
      config: { permission: 'queue:claim' },
      schema: {
        tags,
        summary: 'Set your own state: available, break or offline',
        body: SetStatusBody,
        response: { 200: OperatorView, 400: ErrorBody, ...guarded },
      },
    },
    async (req) => {
      const { user } = authOf(req);
      await service.setStatus(user, req.body.status);
      const [view] = await operatorViews(app.pool, [user.id]);
      if (!view) throw new NotFoundError('Your operator state');
      return view;
    },
  );
};
export default queue;
