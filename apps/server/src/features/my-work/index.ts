import {
  ErrorBody,
  MyConsultationsPage,
  MyConsultationsQuery,
  MyReferralsQuery,
  ReferenceLookup,
  ReferenceParams,
  Referral,
  ShiftSummary,
} from '@korgon/domain';
import { type NotesKeyOptions, notesKeyringOf } from '@korgon/signing';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { authOf } from '../../plugins/auth';
import { createMyWorkService } from './service';

const tags = ['my work'];
const guarded = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody };

/** The operator's own work on every device, and reference numbers (docs/domain.md §4). */
const myWork: FastifyPluginAsyncZod<NotesKeyOptions> = async (app, opts) => {
  const service = createMyWorkService(app.pool, notesKeyringOf(opts));

  app.get(
    '/api/me/consultations',
    {
      config: { permission: 'consultation:write' },
      schema: {
        tags,
        summary:
          'Your own consultations, newest first, a page at a time: drafts from every device, final ones; search by day (Asia/Bishkek), contact kind, risk level and reference',
        querystring: MyConsultationsQuery,
        response: { 200: MyConsultationsPage, ...guarded },
      },
    },
    async (req) => service.consultations(authOf(req).user, req.query),
  );

  app.get(
    '/api/me/referrals',
    {
      config: { permission: 'referral:create' },
      schema: {
        tags,
        summary:
          'The referrals you made: every open one, and closed ones changed lately (live changes come as referral:changed)',
        querystring: MyReferralsQuery,
        response: { 200: z.array(Referral), ...guarded },
      },
    },
    async (req) => service.referrals(authOf(req).user, req.query.recentDays),
  );

  app.get(
    '/api/me/shift',
    {
      config: { permission: 'consultation:write' },
      schema: {
        tags,
        summary:
          'Your shift in numbers, today since 00:00 Asia/Bishkek: calls, consultations, referrals, high-risk calls',
        response: { 200: ShiftSummary, ...guarded },
      },
    },
    async (req) => service.shift(authOf(req).user),
  );

  app.get(
    '/api/references/:reference',
    {
      config: { permission: 'consultation:read' },
      schema: {
        tags,
        summary:
          'Find a record by its reference (K-2026-000123, R-2026-000045): its kind and id, for its author or a supervisor',
        params: ReferenceParams,
        response: { 200: ReferenceLookup, 404: ErrorBody, ...guarded },
      },
    },
    async (req) => service.lookup(req.params.reference, authOf(req).user),
  );
};
export default myWork;
