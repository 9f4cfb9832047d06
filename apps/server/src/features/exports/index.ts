import {
  ErrorBody,
  ExportCreated,
  ExportIdParams,
  ExportList,
  ExportRequest,
  ExportStatus,
  MonthlyQuery,
} from '@korgon/domain';
import { exportsDirOf } from '@korgon/statistics';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { authOf } from '../../plugins/auth';
import { createExportsService } from './service';

const tags = ['statistics'];
const guarded = { 401: ErrorBody, 403: ErrorBody };

/** Statistics exports and the Ministry's monthly report (docs/statistics.md "Exports"). */
const exportsFeature: FastifyPluginAsyncZod<{ dir: string | undefined }> = async (app, opts) => {
  const service = createExportsService({
    db: app.db,
    pool: app.pool,
    jobs: app.safeJobs,
    io: app.io,
    dir: exportsDirOf(opts.dir),
  });
  // Each export is a job of the worker: a person asks for a handful, not hundreds.
  const limited = { rateLimit: { max: 30, timeWindow: '1 minute' } };

  app.post(
    '/api/exports',
    {
      config: { permission: 'statistics:read', ...limited },
      schema: {
        tags,
        summary:
          'Start an export (a statistics table, the queue figures, referral performance or the follow-ups; CSV or XLSX): written by the worker, every figure through disclosure control; audited',
        body: ExportRequest,
        response: { 202: ExportCreated, 400: ErrorBody, ...guarded },
      },
    },
    async (req, reply) => reply.code(202).send(await service.create(req.body, authOf(req).user)),
  );

  app.post(
    '/api/exports/monthly',
    {
      config: { permission: 'statistics:publish', ...limited },
      schema: {
        tags,
        summary:
          'Build the Ministry’s monthly report for a month now (the worker builds last month’s on the 1st at 02:00 Asia/Bishkek); audited',
        querystring: MonthlyQuery,
        response: { 202: ExportCreated, 400: ErrorBody, ...guarded },
      },
    },
    async (req, reply) =>
      reply.code(202).send(await service.monthly(req.query.month, req.query.locale, authOf(req).user)),
  );

  app.get(
    '/api/exports',
    {
      config: { permission: 'statistics:read' },
      schema: {
        tags,
        summary: 'Your recent exports (newest first) and, for managers, the monthly reports',
        response: { 200: ExportList, ...guarded },
      },
    },
    async (req) => service.list(authOf(req).user),
  );

  app.get(
    '/api/exports/:id',
    {
      config: { permission: 'statistics:read' },
      schema: {
        tags,
        summary: 'An export’s state and progress (its requester’s; a monthly report, every manager’s)',
        params: ExportIdParams,
        response: { 200: ExportStatus, 400: ErrorBody, 404: ErrorBody, ...guarded },
      },
    },
    async (req) => service.status(req.params.id, authOf(req).user),
  );

  app.get(
    '/api/exports/:id/file',
    {
      config: { permission: 'statistics:read' },
      schema: {
        tags,
        summary:
          'Download an export’s file (audited). 409 until it is done; 410 once removed after its keeping time',
        params: ExportIdParams,
        response: {
          200: z.any().meta({ description: 'The CSV or XLSX file' }),
          400: ErrorBody,
          404: ErrorBody,
          409: ErrorBody,
          410: ErrorBody,
          ...guarded,
        },
      },
    },
    async (req, reply) => {
      const f = await service.file(req.params.id, authOf(req).user);
      return reply
        .type(f.contentType)
        .header('content-length', f.size)
        .header('content-disposition', `attachment; filename="${f.fileName}"`)
        .header('cache-control', 'no-store')
        .header('x-content-type-options', 'nosniff')
        .send(f.stream);
    },
  );
};
export default exportsFeature;
