import { ErrorBody, OperatorIdParams, OperatorView, SetStatusBody } from '@korgon/domain';
import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authOf } from '../../plugins/auth';
import { createLiveSink } from '../queue/publisher';
import { createOperatorsService, type OperatorsService } from './service';

declare module 'fastify' {
  interface FastifyInstance {
    /** Shared with the risk service, whose critical results offer the operator a short break. */
    operators: OperatorsService;
  }
}

/** Creates the operators service once for the whole app (decorated at the root, before the risk service). */
export function operatorsServiceFor(
  app: FastifyInstance,
  o: { breakOfferMinutes: number },
): OperatorsService {
  return createOperatorsService(app.pool, createLiveSink(app), o);
}

const tags = ['queue'];
const guarded = { 401: ErrorBody, 403: ErrorBody };

/**
 * Operators' states beyond their own choice (docs/board.md, "Acting"; pushes in docs/realtime.md): set by a
 * supervisor, a wrap-up held, an offered break declined. `PUT /api/operators/me/status` is the queue's.
 */
const operators: FastifyPluginAsyncZod = async (app) => {
  const service = app.operators;

  app.put(
    '/api/operators/:id/status',
    {
      config: { permission: 'operators:manage' },
      schema: {
        tags,
        summary:
          'Set an operator’s state from the board: available, break or offline (audited). 409 while she is on a call that is still on the line and not recorded',
        params: OperatorIdParams,
        body: SetStatusBody,
        response: { 200: OperatorView, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody, ...guarded },
      },
    },
    async (req) => service.setStatusOf(req.params.id, req.body.status, authOf(req).user),
  );

  app.post(
    '/api/operators/me/wrap-up/hold',
    {
      config: { permission: 'queue:claim' },
      schema: {
        tags,
        summary:
          'Hold your wrap-up ("I need more time"): it no longer ends by itself; choose available when you are ready',
        response: { 200: OperatorView, 409: ErrorBody, ...guarded },
      },
    },
    async (req) => service.holdWrapUp(authOf(req).user),
  );

  app.delete(
    '/api/operators/me/break-offer',
    {
      config: { permission: 'queue:claim' },
      schema: {
        tags,
        summary:
          'Decline the short break offered after a critical call ("Not now"). To take it, set your state to break',
        response: { 200: OperatorView, ...guarded },
      },
    },
    async (req) => service.declineBreak(authOf(req).user),
  );
};
export default operators;
