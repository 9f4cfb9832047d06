import {
  AddendumBody,
  AssessmentResult,
  Consultation,
  ConsultationConflict,
  ConsultationIdParams,
  ConsultationSaved,
  DraftSummary,
  ErrorBody,
  FinalizeBody,
  HistoryEntry,
  RiskBody,
  RiskRecord,
  SaveConsultationBody,
  SaveConsultationQuery,
} from '@korgon/domain';
import { type NotesKeyOptions, notesKeyringOf } from '@korgon/signing';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { authOf, sessionCheck, sessionChecked, settleAuth } from '../../plugins/auth';
import { pushMyWork } from '../my-work/live';
import { publishCalls } from '../queue/publisher';
import { createConsultationsService } from './service';

const tags = ['consultations'];
const guarded = { 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
const params = ConsultationIdParams;

/** The anonymous consultation record (docs: OpenAPI; docs/domain.md §4–§6). */
const consultations: FastifyPluginAsyncZod<NotesKeyOptions> = async (app, opts) => {
  const service = createConsultationsService(app.pool, notesKeyringOf(opts), {
    finalized: app.followUps.finalized,
    changed: pushMyWork(app.io),
  });
  const risk = app.risk;

  app.put(
    '/api/consultations/:id',
    {
      config: { permission: 'consultation:write', checksSessionItself: true },
      schema: {
        tags,
        summary:
          'Save a consultation (created on first save; the id is made by the console). Answers with the new revision, or the full record with ?view=full; 409 with the current record when the revision moved on',
        params,
        querystring: SaveConsultationQuery,
        body: SaveConsultationBody,
        response: {
          200: z.union([ConsultationSaved, Consultation]),
          201: z.union([ConsultationSaved, Consultation]),
          400: ErrorBody,
          409: ConsultationConflict,
          ...guarded,
        },
      },
    },
    async (req, reply) => {
      // The next autosave of one's own draft: the session is checked in the same statement (one round trip).
      const check = req.query.view === 'full' ? null : sessionCheck(req);
      if (check) {
        const fast = await service.autosaveInSession(req.params.id, req.body, check);
        if (fast) {
          sessionChecked(req, fast.user, fast.lastSeenAt);
          return reply.code(200).send(fast.saved);
        }
      }
      await settleAuth(req);
      const { created, saved, consultation } = await service.save(req.params.id, req.body, authOf(req).user, {
        view: req.query.view === 'full',
      });
      return reply.code(created ? 201 : 200).send(consultation ?? saved);
    },
  );

  app.get(
    '/api/consultations',
    {
      config: { permission: 'consultation:write' },
      schema: {
        tags,
        summary: 'Your own drafts, newest first',
        response: { 200: z.array(DraftSummary), 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (req) => service.drafts(authOf(req).user),
  );

  app.get(
    '/api/consultations/:id',
    {
      config: { permission: 'consultation:read' },
      schema: {
        tags,
        summary: 'Read a consultation (reads by anyone but its author are audited)',
        params,
        response: { 200: Consultation, 409: ErrorBody, ...guarded },
      },
    },
    async (req) => service.get(req.params.id, authOf(req).user),
  );

  app.post(
    '/api/consultations/:id/finalize',
    {
      config: { permission: 'consultation:write' },
      schema: {
        tags,
        summary: 'Finalize: checked against the record’s taxonomy; afterwards read-only except for addenda',
        params,
        body: FinalizeBody,
        response: { 200: Consultation, 400: ErrorBody, 409: ConsultationConflict, ...guarded },
      },
    },
    async (req) => {
      const done = await service.finalize(req.params.id, req.body.revision, authOf(req).user);
      // The call's record is final: every desk and the board learn it is no longer anyone's "Your call".
      if (done.callId) await publishCalls(app, [done.callId]);
      return done;
    },
  );

  app.post(
    '/api/consultations/:id/addenda',
    {
      config: { permission: 'consultation:write' },
      schema: {
        tags,
        summary: 'Add a signed addendum to a final consultation',
        params,
        body: AddendumBody,
        response: { 201: Consultation, 400: ErrorBody, 409: ErrorBody, ...guarded },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await service.addAddendum(req.params.id, req.body.text, authOf(req).user)),
  );

  app.get(
    '/api/consultations/:id/history',
    {
      config: { permission: 'consultation:read' },
      schema: {
        tags,
        summary:
          'Earlier consultations with the same caller (hash): dates, forms of violence, risk levels, follow-ups',
        params,
        response: { 200: z.array(HistoryEntry), ...guarded },
      },
    },
    async (req) => service.history(req.params.id, authOf(req).user),
  );

  app.put(
    '/api/consultations/:id/risk',
    {
      config: { permission: 'consultation:write' },
      schema: {
        tags: ['risk'],
        summary:
          'Store a risk assessment with the consultation (every answer, computed and final level, override)',
        params,
        body: RiskBody,
        response: {
          200: z.object({ record: RiskRecord, result: AssessmentResult }),
          400: ErrorBody,
          409: ErrorBody,
          ...guarded,
        },
      },
    },
    async (req) => risk.save(req.params.id, req.body, authOf(req).user),
  );
};
export default consultations;
