import {
  ErrorBody,
  LegalHold,
  LegalHoldBody,
  LegalHoldParams,
  OkBody,
  RetentionRun,
  RetentionSettings,
  RetentionSettingsBody,
} from '@korgon/domain';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { authOf } from '../../plugins/auth';
import { createRetentionService } from './service';

const tags = ['admin'];
const guarded = { 401: ErrorBody, 403: ErrorBody };
const config = { permission: 'retention:manage' as const };

/** Retention of free text: settings, runs, "Run now" and legal holds (docs/security.md "Retention"). */
const retention: FastifyPluginAsyncZod = async (app) => {
  const service = createRetentionService(app.pool, app.safeJobs);

  app.get(
    '/api/admin/retention/settings',
    {
      config,
      schema: {
        tags,
        summary:
          'The retention periods: days before free text is shredded, and before referral content is removed',
        response: { 200: RetentionSettings, ...guarded },
      },
    },
    async () => service.settings(),
  );

  app.put(
    '/api/admin/retention/settings',
    {
      config,
      schema: {
        tags,
        summary: 'Change the retention periods (audited with the old and new values)',
        body: RetentionSettingsBody,
        response: { 200: RetentionSettings, 400: ErrorBody, ...guarded },
      },
    },
    async (req) => service.updateSettings(req.body, authOf(req).user),
  );

  app.get(
    '/api/admin/retention/runs',
    {
      config,
      schema: {
        tags,
        summary:
          'The latest retention runs, newest first: when, by whom, how it ended, what it removed (counts)',
        response: { 200: z.array(RetentionRun), ...guarded },
      },
    },
    async () => service.runs(),
  );

  app.post(
    '/api/admin/retention/runs',
    {
      config: { ...config, rateLimit: { max: 10, timeWindow: '1 minute' } },
      schema: {
        tags,
        summary: 'Run retention now (queued for the worker; audited)',
        response: { 202: RetentionRun, 409: ErrorBody, ...guarded },
      },
    },
    async (req, reply) => reply.code(202).send(await service.runNow(authOf(req).user)),
  );

  app.get(
    '/api/admin/retention/holds',
    {
      config,
      schema: {
        tags,
        summary: 'The consultations on legal hold (their free text is not shredded while held)',
        response: { 200: z.array(LegalHold), ...guarded },
      },
    },
    async () => service.holds(),
  );

  app.put(
    '/api/admin/retention/holds/:consultation',
    {
      config,
      schema: {
        tags,
        summary:
          'Place a legal hold on a consultation, named by its reference (K-2026-000123) or id, with a reason (kept in the audit log only)',
        params: LegalHoldParams,
        body: LegalHoldBody,
        response: { 200: LegalHold, 400: ErrorBody, 404: ErrorBody, ...guarded },
      },
    },
    async (req) => service.placeHold(req.params.consultation, req.body.reason, authOf(req).user),
  );

  app.delete(
    '/api/admin/retention/holds/:consultation',
    {
      config,
      schema: {
        tags,
        summary:
          "Lift a consultation's legal hold, with a reason (audited); retention then applies to it again",
        params: LegalHoldParams,
        body: LegalHoldBody,
        response: { 200: OkBody, 400: ErrorBody, 404: ErrorBody, ...guarded },
      },
    },
    async (req) => {
      await service.liftHold(req.params.consultation, req.body.reason, authOf(req).user);
      return { ok: true as const };
    },
  );
};
export default retention;
