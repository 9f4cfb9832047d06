import { pendingMigrations } from '@korgon/db';
import { QUEUE_NAMES, WORKER_STALE_MS } from '@korgon/domain';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { databaseAnswers, workerHeartbeatAgeMs } from './repository';

const Check = z.object({ ok: z.boolean(), detail: z.string().optional() });
const Counts = z.object({ waiting: z.number(), active: z.number(), delayed: z.number(), failed: z.number() });
const Readiness = z.object({
  ready: z.boolean(),
  checks: z.object({ database: Check, migrations: Check, worker: Check, redis: Check }),
  /** Each BullMQ queue's jobs by state; absent while Redis does not answer. */
  queues: z.record(z.enum(QUEUE_NAMES), Counts).optional(),
  failed: z.array(z.string()),
});

/** How long /readyz waits for Redis before it calls it down. */
const REDIS_TIMEOUT_MS = 1000;

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
        summary:
          "PostgreSQL and Redis answer, migrations are applied, a worker was seen in the last minute; each queue's jobs by state",
        response: { 200: Readiness, 503: Readiness },
      },
    },
    async (_req, reply) => {
      const checks = {
        database: { ok: false } as z.infer<typeof Check>,
        migrations: { ok: false } as z.infer<typeof Check>,
        worker: { ok: false } as z.infer<typeof Check>,
        redis: { ok: false } as z.infer<typeof Check>,
      };
      // Redis is asked at the same time as PostgreSQL, and for a second at most.
      const redis = withTimeout(app.jobs.counts(), REDIS_TIMEOUT_MS).then(
        (queues) => ({ ok: true as const, queues }),
        (err: Error) => ({ ok: false as const, detail: `Redis does not answer: ${err.message}` }),
      );
      try {
        await databaseAnswers(app.pool);
        checks.database = { ok: true };
        const pending = await pendingMigrations(app.pool);
        checks.migrations =
          pending === 0 ? { ok: true } : { ok: false, detail: `${pending} migration(s) not applied` };
        const age = await workerHeartbeatAgeMs(app.pool);
        checks.worker =
          age !== null && age <= WORKER_STALE_MS
            ? { ok: true }
            : {
                ok: false,
                detail:
                  age === null
                    ? 'no worker has ever run'
                    : `last worker seen ${Math.round(age / 1000)} s ago`,
              };
      } catch (err) {
        checks.database = { ok: false, detail: `PostgreSQL does not answer: ${(err as Error).message}` };
      }
      const r = await redis;
      checks.redis = r.ok ? { ok: true } : { ok: false, detail: r.detail };
      const failed = Object.entries(checks)
        .filter(([, c]) => !c.ok)
        .map(([k]) => k);
      reply.code(failed.length === 0 ? 200 : 503);
      return { ready: failed.length === 0, checks, ...(r.ok ? { queues: r.queues } : {}), failed };
    },
  );
};
export default health;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
