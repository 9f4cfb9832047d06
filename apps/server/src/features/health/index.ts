import { pendingMigrations } from '@korgon/db';
import { WORKER_STALE_MS } from '@korgon/domain';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

const Check = z.object({ ok: z.boolean(), detail: z.string().optional() });
const Readiness = z.object({
  ready: z.boolean(),
  checks: z.object({ database: Check, migrations: Check, worker: Check }),
  failed: z.array(z.string()),
});

/** Liveness (the process answers) and readiness (it can do its work). */
const health: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/healthz',
    {
      config: { public: true },
      schema: {
        tags: ['operations'],
        summary: 'The process is up',
        response: { 200: z.object({ ok: z.literal(true) }) },
      },
    },
    async () => ({ ok: true as const }),
  );

  app.get(
    '/readyz',
    {
      config: { public: true },
      schema: {
        tags: ['operations'],
        summary: 'PostgreSQL answers, migrations are applied, a worker was seen in the last minute',
        response: { 200: Readiness, 503: Readiness },
      },
    },
    async (_req, reply) => {
      const checks = {
        database: { ok: false } as z.infer<typeof Check>,
        migrations: { ok: false } as z.infer<typeof Check>,
        worker: { ok: false } as z.infer<typeof Check>,
      };
      try {
        await app.pool.query('SELECT 1');
        checks.database = { ok: true };
        const pending = await pendingMigrations(app.pool);
        checks.migrations =
          pending === 0 ? { ok: true } : { ok: false, detail: `${pending} migration(s) not applied` };
        const { rows } = await app.pool.query<{ age_ms: number | null }>(
          'SELECT (extract(epoch FROM now() - max(seen_at)) * 1000)::float8 AS age_ms FROM worker_heartbeats',
        );
        const age = rows[0]?.age_ms;
        checks.worker =
          age !== null && age !== undefined && age <= WORKER_STALE_MS
            ? { ok: true }
            : {
                ok: false,
                detail:
                  age == null ? 'no worker has ever run' : `last worker seen ${Math.round(age / 1000)} s ago`,
              };
      } catch (err) {
        checks.database = { ok: false, detail: `PostgreSQL does not answer: ${(err as Error).message}` };
      }
      const failed = Object.entries(checks)
        .filter(([, c]) => !c.ok)
        .map(([k]) => k);
      reply.code(failed.length === 0 ? 200 : 503);
      return { ready: failed.length === 0, checks, failed };
    },
  );
};
export default health;
