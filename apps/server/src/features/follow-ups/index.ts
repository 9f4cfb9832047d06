import {
  AssignFollowUpBody,
  ChainEntry,
  type Clock,
  ConsultationIdParams,
  ErrorBody,
  FollowUp,
  FollowUpIdParams,
  FollowUpList,
  FollowUpListQuery,
  FollowUpReasonBody,
  StartedFollowUp,
  StartFollowUpBody,
} from '@korgon/domain';
import { type NotesKeyOptions, notesKeyringOf } from '@korgon/signing';
import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { authOf } from '../../plugins/auth';
import { createFollowUpsService, type FollowUpsService } from './service';

declare module 'fastify' {
  interface FastifyInstance {
    /** Shared with the consultations feature, whose finalize makes and completes follow-ups. */
    followUps: FollowUpsService;
  }
}

/** Creates the follow-ups service once for the whole app (decorated at the root, before consultations). */
export function followUpsServiceFor(
  app: FastifyInstance,
  o: NotesKeyOptions & { clock: Clock; orderCheckinDays: number },
): FollowUpsService {
  return createFollowUpsService({
    pool: app.pool,
    key: notesKeyringOf(o),
    io: app.io,
    jobs: app.safeJobs,
    clock: o.clock,
    orderCheckinDays: o.orderCheckinDays,
    changed: () => {
      app.board.kick();
      app.alerts.kick();
    },
  });
}

const tags = ['follow-ups'];
const guarded = { 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
const params = FollowUpIdParams;

/** Follow-ups that come back on time (docs/domain.md §10; pushes in docs/realtime.md). */
const followUps: FastifyPluginAsyncZod = async (app) => {
  const service = app.followUps;

  app.get(
    '/api/follow-ups',
    {
      config: { permission: 'follow-up:work' },
      schema: {
        tags,
        summary:
          'A worklist: mine (assigned to me) or the shift’s (nobody’s; for supervisors, everyone’s): raised and due or overdue, then those closed in the last day',
        querystring: FollowUpListQuery,
        response: { 200: FollowUpList, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (req) => service.list(authOf(req).user, req.query.scope),
  );

  app.post(
    '/api/follow-ups/:id/take',
    {
      config: { permission: 'follow-up:work' },
      schema: {
        tags,
        summary: 'Take one of the shift’s follow-ups for yourself (audited)',
        params,
        response: { 200: FollowUp, 409: ErrorBody, ...guarded },
      },
    },
    async (req) => service.take(req.params.id, authOf(req).user),
  );

  app.post(
    '/api/follow-ups/:id/assign',
    {
      config: { permission: 'follow-up:manage' },
      schema: {
        tags,
        summary:
          'Hand a follow-up to another operator, or back to the shift (assigneeId null): supervisors only; audited, pushed to the one who had it, the one who has it now, and the board',
        params,
        body: AssignFollowUpBody,
        response: { 200: FollowUp, 400: ErrorBody, 409: ErrorBody, ...guarded },
      },
    },
    async (req) => service.assign(req.params.id, req.body.assigneeId, authOf(req).user),
  );

  app.post(
    '/api/follow-ups/:id/start',
    {
      config: { permission: 'follow-up:work' },
      schema: {
        tags,
        summary:
          'Do it: opens a call-back consultation linked to the earlier one (the id is made by the console; a retry answers with the same draft). Finalizing that consultation makes the follow-up done',
        params,
        body: StartFollowUpBody,
        response: { 201: StartedFollowUp, 400: ErrorBody, 409: ErrorBody, ...guarded },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await service.start(req.params.id, req.body.consultationId, authOf(req).user)),
  );

  for (const action of ['missed', 'cancel'] as const) {
    app.post(
      `/api/follow-ups/:id/${action}`,
      {
        config: { permission: 'follow-up:work' },
        schema: {
          tags,
          summary:
            action === 'missed'
              ? 'Mark it missed, with the reason (sealed at rest; audited)'
              : 'Cancel it, with the reason (sealed at rest; audited)',
          params,
          body: FollowUpReasonBody,
          response: { 200: FollowUp, 400: ErrorBody, 409: ErrorBody, ...guarded },
        },
      },
      async (req) =>
        action === 'missed'
          ? service.missed(req.params.id, req.body.reason, authOf(req).user)
          : service.cancel(req.params.id, req.body.reason, authOf(req).user),
    );
  }

  app.get(
    '/api/consultations/:id/chain',
    {
      config: { permission: 'consultation:read' },
      schema: {
        tags: ['consultations'],
        summary:
          'The caller’s anonymous case: the consultations linked to this one (earlier and later contacts) with dates, risk levels, referrals and follow-ups; no free text, no identity. Reads of others’ consultations are audited',
        params: ConsultationIdParams,
        response: { 200: z.array(ChainEntry), ...guarded },
      },
    },
    async (req) => service.chain(req.params.id, authOf(req).user),
  );
};
export default followUps;
