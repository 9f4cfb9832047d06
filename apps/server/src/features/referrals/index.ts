import { CreateReferralBody, can, ErrorBody, PartnerSuggestion, Referral } from '@korgon/domain';
import { type NotesKeyOptions, notesKeyringOf } from '@korgon/signing';
import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NotFoundError } from '../../errors';
import { authOf } from '../../plugins/auth';
import { createReferralPush } from './push';
import { createReferralsService, type ReferralsService } from './service';

declare module 'fastify' {
  interface FastifyInstance {
    /** Shared by the staff routes and the partner side. */
    referrals: ReferralsService;
  }
}

/** Creates the referrals service once for the whole app (decorated at the root). */
export function referralsServiceFor(app: FastifyInstance, o: NotesKeyOptions & { maxAttempts: number }) {
  return createReferralsService(
    app.pool,
    notesKeyringOf(o),
    createReferralPush(app.io, () => {
      app.board.kick();
      app.alerts.kick();
    }),
    app.safeJobs,
    o.maxAttempts,
  );
}

const tags = ['referrals'];
const guarded = { 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
const IdParams = z.object({ id: z.uuid('The referral id must be a UUID.') });

/** Urgent referrals to partner organisations (docs/domain.md §7; docs/partners.md). */
const referrals: FastifyPluginAsyncZod = async (app) => {
  const service = app.referrals;

  app.post(
    '/api/referrals',
    {
      config: { permission: 'referral:create' },
      schema: {
        tags,
        summary:
          'Refer from a consultation to a partner: committed, then its delivery job added (saved even while Redis is away). A retried send returns the same referral',
        body: CreateReferralBody,
        response: { 201: Referral, 200: Referral, 400: ErrorBody, 409: ErrorBody, ...guarded },
      },
    },
    async (req, reply) => {
      const { created, referral } = await service.create(req.body, authOf(req).user);
      if (!referral) throw new NotFoundError('That referral');
      return reply.code(created ? 201 : 200).send(referral);
    },
  );

  app.get(
    '/api/referrals',
    {
      config: { permission: 'referral:create' },
      schema: {
        tags,
        summary: "A consultation's referrals, or (supervisors, without consultationId) every open referral",
        querystring: z.object({ consultationId: z.uuid().optional() }),
        response: { 200: z.array(Referral), ...guarded },
      },
    },
    async (req) => {
      const user = authOf(req).user;
      if (req.query.consultationId) return service.list(req.query.consultationId, user);
      // Every open referral is a supervisor's view (`referral:manage`); others name their consultation.
      if (!can(user.role, 'referral:manage')) return [];
      return service.open();
    },
  );

  app.get(
    '/api/referrals/suggestions',
    {
      config: { permission: 'referral:create' },
      schema: {
        tags,
        summary:
          'Partners for a consultation: of the types its risk actions call for, in the caller’s region, open now',
        querystring: z.object({ consultationId: z.uuid() }),
        response: { 200: z.array(PartnerSuggestion), ...guarded },
      },
    },
    async (req) => service.suggestions(req.query.consultationId, authOf(req).user),
  );

  app.get(
    '/api/referrals/:id',
    {
      config: { permission: 'referral:create' },
      schema: {
        tags,
        summary: 'A referral with its history',
        params: IdParams,
        response: { 200: Referral, ...guarded },
      },
    },
    async (req) => service.get(req.params.id, authOf(req).user),
  );

  for (const action of ['revoke', 'retry'] as const) {
    app.post(
      `/api/referrals/:id/${action}`,
      {
        config: { permission: 'referral:create' },
        schema: {
          tags,
          summary: action === 'revoke' ? 'Revoke a referral' : 'Deliver a failed referral again',
          params: IdParams,
          response: { 200: Referral, 409: ErrorBody, ...guarded },
        },
      },
      async (req) => service.staffAction(req.params.id, action, authOf(req).user),
    );
  }

  app.post(
    '/api/referrals/:id/redirect',
    {
      config: { permission: 'referral:create' },
      schema: {
        tags,
        summary: 'Send a failed or unanswered referral to another partner instead',
        params: IdParams,
        body: z.object({ partnerId: z.uuid(), newId: z.uuid() }).strict(),
        response: { 200: Referral, 400: ErrorBody, 409: ErrorBody, ...guarded },
      },
    },
    async (req) => service.redirect(req.params.id, req.body.partnerId, req.body.newId, authOf(req).user),
  );
};
export default referrals;
