import { JobQueues, type RedisSettings, type SafeJobs, safeJobs } from '@korgon/jobs';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    /** BullMQ's queues, for /readyz and the queue dashboard. */
    jobs: JobQueues;
    /** Adds and removes jobs after a commit; never throws (ADR 0002). */
    safeJobs: SafeJobs;
  }
}

/**
 * The producer side of the job queues. Its Redis connection fails fast: a request never waits on Redis,
 * because the work is committed in PostgreSQL first and the worker's reconciler adds what Redis missed.
 */
export default fp<RedisSettings & { backoffMs: number }>(
  async (app: FastifyInstance, opts) => {
    const jobs = new JobQueues({ ...opts, failFast: true, name: 'korgon-server-jobs' });
    app.decorate('jobs', jobs);
    app.decorate(
      'safeJobs',
      safeJobs(jobs, (msg) => app.log.warn(msg)),
    );
    app.addHook('onClose', async () => jobs.close());
  },
  { name: 'jobs' },
);
