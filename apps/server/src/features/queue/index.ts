import {
  AssignCallBody,
  CallIdParams,
  CallOutcomes,
  ClaimBody,
  ClaimResult,
  ErrorBody,
  OpenConsultationResult,
  OperatorView,
  QueueCall,
  QueueSnapshot,
  SetStatusBody,
} from '@korgon/domain';
import type { CallLimits } from '@korgon/queue';
import { operatorViews } from '@korgon/queue';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NotFoundError } from '../../errors';
import { authOf } from '../../plugins/auth';
import { startPresence } from './presence';
import { createLiveSink } from './publisher';
import { createQueueService } from './service';

const tags = ['queue'];
const guarded = { 401: ErrorBody, 403: ErrorBody };

/** The live queue over HTTP; changes are pushed as `queue:change` (docs/realtime.md). */
const queue: FastifyPluginAsyncZod<{
  offlineGraceSeconds: number;
  callLimits: CallLimits;
  breakOfferMinutes: number;
}> = async (app, opts) => {
  const service = createQueueService(app.pool, createLiveSink(app), opts.callLimits, {
    breakOfferMinutes: opts.breakOfferMinutes,
  });
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

  app.post(
    '/api/queue/calls/:id/consultation',
    {
      config: { permission: 'queue:claim' },
      schema: {
        tags,
        summary:
          'Open the consultation draft of a call you have (taken, answered at your extension, or assigned); idempotent: one per call',
        params: CallIdParams,
        response: { 200: OpenConsultationResult, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody, ...guarded },
      },
    },
    async (req) => service.openConsultation(req.params.id, authOf(req).user),
  );

  app.post(
    '/api/queue/calls/:id/assign',
    {
      config: { permission: 'queue:assign' },
      schema: {
        tags,
        summary:
          'Give a waiting call (to an operator who is available or in wrap-up; 409 otherwise, naming her state), or one answered at an unknown extension, to an operator (audited); it becomes hers, with its consultation draft',
        params: CallIdParams,
        body: AssignCallBody,
        response: { 200: QueueCall, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody, ...guarded },
      },
    },
    async (req) => service.assign(req.params.id, req.body.operatorId, authOf(req).user),
  );

  app.get(
    '/api/queue/outcomes',
    {
      config: { permission: 'board:use' },
      schema: {
        tags,
        summary:
          'Outcomes of the calls offered since a time (default: today in Bishkek): answered, abandoned, transferred, lost apart',
        querystring: z.object({
          since: z.iso
            .datetime({ offset: true, message: 'since must be an ISO-8601 time with a zone' })
            .optional(),
        }),
        response: { 200: CallOutcomes, 400: ErrorBody, ...guarded },
      },
    },
    async (req) => service.outcomes(req.query.since ? new Date(req.query.since) : undefined),
  );

  app.put(
    '/api/operators/me/status',
    {
      config: { permission: 'queue:claim' },
      schema: {
        tags,
        summary:
          'Set your own state: available, break or offline. A break taken while one is offered is that break (BREAK_OFFER_MINUTES long)',
        body: SetStatusBody,
        response: { 200: OperatorView, 400: ErrorBody, 404: ErrorBody, ...guarded },
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
