import { inTransaction, writeAudit } from '@korgon/db';
import {
  AssessBody,
  AssessmentResult,
  ErrorBody,
  Methodology,
  OkBody,
  PendingSignOff,
  RiskRecord,
  SignOffBody,
  Taxonomy,
} from '@korgon/domain';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ConflictError, isUniqueViolation, NotFoundError } from '../../errors';
import { authOf } from '../../plugins/auth';
import { createRiskRepository } from './repository';

const guarded = { 401: ErrorBody, 403: ErrorBody };
const VersionParams = z.object({ id: z.string().min(1).max(64), version: z.string().min(1).max(32) });
const MethodologySummary = z.object({
  id: z.string(),
  version: z.string(),
  title: z.record(z.string(), z.string()),
  active: z.boolean(),
  createdAt: z.string(),
});

/** Methodologies (versioned documents), the live preview, supervisor sign-offs, and the taxonomy. */
const risk: FastifyPluginAsyncZod = async (app) => {
  const service = app.risk;
  const repo = createRiskRepository(app.pool);

  app.post(
    '/api/risk/assess',
    {
      config: { permission: 'risk:assess' },
      schema: {
        tags: ['risk'],
        summary: 'Assess answers by a methodology version; stores nothing (the live preview)',
        body: AssessBody,
        response: { 200: AssessmentResult, 400: ErrorBody, 404: ErrorBody, ...guarded },
      },
    },
    async (req) => service.preview(req.body.methodologyId, req.body.version, req.body.answers),
  );

  app.get(
    '/api/methodologies/active',
    {
      config: { permission: 'risk:assess' },
      schema: {
        tags: ['risk'],
        summary: 'The active methodology document',
        response: { 200: Methodology, 404: ErrorBody, ...guarded },
      },
    },
    async () => service.active(),
  );

  app.get(
    '/api/methodologies/:id/:version',
    {
      config: { permission: 'risk:assess' },
      schema: {
        tags: ['risk'],
        summary: 'A methodology document by version (earlier assessments keep theirs)',
        params: VersionParams,
        response: { 200: Methodology, 404: ErrorBody, ...guarded },
      },
    },
    async (req) => service.methodology(app.pool, req.params.id, req.params.version),
  );

  app.get(
    '/api/risk/sign-offs',
    {
      config: { permission: 'risk:sign-off' },
      schema: {
        tags: ['risk'],
        summary: 'Lowered risk levels waiting for a supervisor',
        response: { 200: z.array(PendingSignOff), ...guarded },
      },
    },
    async () => service.pendingSignOffs(),
  );

  app.post(
    '/api/risk/assessments/:id/sign-off',
    {
      config: { permission: 'risk:sign-off' },
      schema: {
        tags: ['risk'],
        summary: "Approve or refuse an operator's lowered risk level",
        params: z.object({ id: z.uuid() }),
        body: SignOffBody,
        response: { 200: RiskRecord, 404: ErrorBody, 409: ErrorBody, ...guarded },
      },
    },
    async (req) => service.signOff(req.params.id, req.body.approve, req.body.note, authOf(req).user),
  );

  app.get(
    '/api/admin/methodologies',
    {
      config: { permission: 'methodology:manage' },
      schema: {
        tags: ['admin'],
        summary: 'All methodology versions',
        response: { 200: z.array(MethodologySummary), ...guarded },
      },
    },
    async () => {
      const rows = await repo.methodologies();
      return rows.map((r) => ({
        id: r.methodologyId,
        version: r.version,
        // Stored only after Methodology validated it (the upload below).
        title: (r.document as Methodology).title,
        active: r.active,
        createdAt: r.createdAt.toISOString(),
      }));
    },
  );

  app.post(
    '/api/admin/methodologies',
    {
      config: { permission: 'methodology:manage' },
      bodyLimit: 1024 * 1024,
      schema: {
        tags: ['admin'],
        summary:
          'Upload a methodology version (the document is the body); 409 when that id and version exist',
        body: Methodology,
        response: { 201: MethodologySummary, 400: ErrorBody, 409: ErrorBody, ...guarded },
      },
    },
    async (req, reply) => {
      const actor = authOf(req).user;
      const m = req.body;
      let createdAt: Date | undefined;
      try {
        createdAt = await repo.insertMethodology({
          methodologyId: m.id,
          version: m.version,
          document: m,
          createdBy: actor.id,
        });
      } catch (err) {
        if (isUniqueViolation(err))
          throw new ConflictError(
            `Methodology ${m.id} version ${m.version} exists already; give the new document another version.`,
          );
        throw err;
      }
      await writeAudit(app.pool, {
        action: 'methodology.uploaded',
        actorId: actor.id,
        actorRole: actor.role,
        targetType: 'methodology',
        targetId: `${m.id}@${m.version}`,
      });
      return reply.code(201).send({
        id: m.id,
        version: m.version,
        title: m.title,
        active: false,
        createdAt: (createdAt ?? new Date()).toISOString(),
      });
    },
  );

  app.post(
    '/api/admin/methodologies/:id/:version/activate',
    {
      config: { permission: 'methodology:manage' },
      schema: {
        tags: ['admin'],
        summary: 'Make a methodology version the active one (new assessments use it)',
        params: VersionParams,
        response: { 200: OkBody, 404: ErrorBody, ...guarded },
      },
    },
    async (req) => {
      const actor = authOf(req).user;
      await inTransaction(app.pool, async (client) => {
        if (!(await createRiskRepository(client).activateMethodology(req.params.id, req.params.version)))
          throw new NotFoundError(`Methodology ${req.params.id} ${req.params.version}`);
        await writeAudit(client, {
          action: 'methodology.activated',
          actorId: actor.id,
          actorRole: actor.role,
          targetType: 'methodology',
          targetId: `${req.params.id}@${req.params.version}`,
        });
      });
      return { ok: true as const };
    },
  );

  const taxonomy = async (version?: string) => {
    const document = await repo.taxonomyDocument(version);
    if (document === undefined)
      throw new NotFoundError(version ? `Taxonomy ${version}` : 'An active taxonomy');
    return Taxonomy.parse(document);
  };
  app.get(
    '/api/taxonomy',
    {
      config: { permission: 'consultation:read' },
      schema: {
        tags: ['consultations'],
        summary: 'The active taxonomy (options of the consultation form, ky/ru/en)',
        response: { 200: Taxonomy, 404: ErrorBody, ...guarded },
      },
    },
    async () => taxonomy(),
  );
  app.get(
    '/api/taxonomy/:version',
    {
      config: { permission: 'consultation:read' },
      schema: {
        tags: ['consultations'],
        summary: 'A taxonomy by version (old records stay readable)',
        params: z.object({ version: z.string().min(1).max(32) }),
        response: { 200: Taxonomy, 404: ErrorBody, ...guarded },
      },
    },
    async (req) => taxonomy(req.params.version),
  );
};
export default risk;
