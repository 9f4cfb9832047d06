import { AuditLogPage, AuditLogQuery, AuditStatus, AuditStatusQuery, ErrorBody } from '@korgon/domain';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authOf } from '../../plugins/auth';
import { createChainStatus } from './chain-status';
import { createAuditService } from './service';

const tags = ['admin'];
const guarded = { 401: ErrorBody, 403: ErrorBody };

export interface AuditFeatureOptions {
  /** AUDIT_ANCHOR_DIR, resolved: where the worker appends the chain's signed checkpoints (read only here). */
  anchorDir: string;
  /** AUDIT_ANCHOR_KEY, to check their signatures. */
  anchorKey: string;
}

/** The audit log viewer for administrators (docs/security.md "Audit log viewer"). */
const audit: FastifyPluginAsyncZod<AuditFeatureOptions> = async (app, opts) => {
  const service = createAuditService(app.pool);
  const chain = createChainStatus({ pool: app.pool, anchorDir: opts.anchorDir, anchorKey: opts.anchorKey });

  app.get(
    '/api/admin/audit-log',
    {
      config: { permission: 'audit:read', rateLimit: { max: 120, timeWindow: '1 minute' } },
      schema: {
        tags,
        summary:
          'Audit log entries, newest first, filtered by actor (id or username), action (or a prefix ending in a dot), target and time; a page at a time (`nextCursor`). The read is audited (`audit.read`, with the filters)',
        querystring: AuditLogQuery,
        response: { 200: AuditLogPage, 400: ErrorBody, ...guarded },
      },
    },
    async (req, reply) => {
      reply.header('cache-control', 'no-store');
      return service.list(req.query, authOf(req).user);
    },
  );

  app.get(
    '/api/admin/audit-log/status',
    {
      config: { permission: 'audit:read', rateLimit: { max: 30, timeWindow: '1 minute' } },
      schema: {
        tags,
        summary:
          'Whether the audit chain verifies (up to which entry, or the first broken one and why: the entries added since the last check, or the whole chain with `full=true`), and the latest signed checkpoint: its signature and whether the chain still matches it',
        querystring: AuditStatusQuery,
        response: { 200: AuditStatus, 400: ErrorBody, ...guarded },
      },
    },
    async (req, reply) => {
      reply.header('cache-control', 'no-store');
      return chain.status(req.query.full === 'true');
    },
  );
};
export default audit;
