import {
  JOBS,
  type JobData,
  type JobName,
  type JobRequest,
  QUEUE_NAMES,
  type QueueName,
} from '@korgon/domain';
import { type JobsOptions, Queue } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';

export { Redis } from 'ioredis';

/** Where Redis is, and the key prefix that keeps this installation's (or this test's) keys apart. */
export interface RedisSettings {
  url: string;
  prefix: string;
}

/** BullMQ's keys live under `<prefix>:jobs:<queue>:…`. */
export const bullPrefix = (prefix: string) => `${prefix}:jobs`;
/** The Socket.IO adapter's and emitter's channels live under `<prefix>:socket.io#…`. */
export const socketKey = (prefix: string) => `${prefix}:socket.io`;

/**
 * A Redis connection. `failFast` connections (the server's producers and rate limits) refuse a command at
 * once while Redis is away, so a request never waits on Redis: the record is already in PostgreSQL, and the
 * reconciler adds its job when Redis is back. Background connections (the worker's) wait and retry.
 */
export function redisConnection(url: string, opts: { failFast?: boolean; name?: string } = {}): Redis {
  const options: RedisOptions = {
    connectionName: opts.name,
    // BullMQ needs this for connections it blocks on, and it is right for background work: wait for Redis.
    maxRetriesPerRequest: opts.failFast ? 1 : null,
    enableOfflineQueue: !opts.failFast,
    connectTimeout: opts.failFast ? 1000 : 10_000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  };
  return new Redis(url, options);
}

export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}

export interface JobQueuesOptions extends RedisSettings {
  /** Base delay of the exponential backoff between attempts (ms). */
  backoffMs?: number;
  /** See redisConnection. */
  failFast?: boolean;
  name?: string;
}

/** The options every job gets: finished jobs do not pile up in Redis; PostgreSQL keeps the history. */
function optionsFor(req: JobRequest, backoffMs: number): JobsOptions {
  const opts: JobsOptions = {
    jobId: req.jobId,
    removeOnComplete: { age: 3600, count: 1000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  };
  if (req.runAt) opts.delay = Math.max(0, req.runAt.getTime() - Date.now());
  if (req.priority !== undefined) opts.priority = req.priority;
  if (req.attempts !== undefined) {
    opts.attempts = req.attempts;
    opts.backoff = { type: 'exponential', delay: backoffMs };
  }
  return opts;
}

/**
 * The producer side: one BullMQ Queue per queue name on one shared connection. Adding a job whose id is
 * already held is a no-op (BullMQ's deterministic ids), so every producer may add freely.
 */
export class JobQueues {
  readonly connection: Redis;
  readonly queues: Record<QueueName, Queue>;
  private readonly backoffMs: number;

  constructor(readonly opts: JobQueuesOptions) {
    this.connection = redisConnection(opts.url, { failFast: opts.failFast, name: opts.name });
    // An unhandled 'error' would end the process; the callers see failed commands and log them.
    this.connection.on('error', () => undefined);
    this.backoffMs = opts.backoffMs ?? 2000;
    this.queues = Object.fromEntries(
      QUEUE_NAMES.map((name) => {
        const q = new Queue(name, {
          connection: this.connection,
          prefix: bullPrefix(opts.prefix),
        });
        q.on('error', () => undefined);
        return [name, q];
      }),
    ) as Record<QueueName, Queue>;
  }

  queueOf(name: JobName): Queue {
    return this.queues[JOBS[name].queue];
  }

  /** Adds the jobs (validated against their payload schema), grouped per queue. */
  async add(requests: readonly JobRequest[]): Promise<void> {
    const byQueue = new Map<QueueName, JobRequest[]>();
    for (const req of requests) {
      JOBS[req.name].payload.parse(req.data);
      const queue = JOBS[req.name].queue;
      byQueue.set(queue, [...(byQueue.get(queue) ?? []), req]);
    }
    await Promise.all(
      [...byQueue].map(([queue, reqs]) =>
        this.queues[queue].addBulk(
          reqs.map((r) => ({ name: r.name, data: r.data, opts: optionsFor(r, this.backoffMs) })),
        ),
      ),
    );
  }

  /**
   * Adds a job even where a finished one with the same id is still kept (a retried referral): the finished
   * job is removed first. A waiting, delayed or running job is left as it is.
   */
  async replace(req: JobRequest): Promise<void> {
    const queue = this.queueOf(req.name);
    const state = await queue.getJobState(req.jobId);
    if (state === 'completed' || state === 'failed') await queue.remove(req.jobId);
    await this.add([req]);
  }

  /** Removes waiting or delayed jobs (a cancelled escalation); a job that is running finishes. */
  async remove(name: JobName, jobIds: readonly string[]): Promise<void> {
    const queue = this.queueOf(name);
    await Promise.all(jobIds.map((id) => queue.remove(id)));
  }

  async counts(): Promise<Record<QueueName, QueueCounts>> {
    const entries = await Promise.all(
      QUEUE_NAMES.map(async (name) => {
        const c = await this.queues[name].getJobCounts(
          'waiting',
          'prioritized',
          'active',
          'delayed',
          'failed',
        );
        return [
          name,
          {
            waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
            active: c.active ?? 0,
            delayed: c.delayed ?? 0,
            failed: c.failed ?? 0,
          },
        ] as const;
      }),
    );
    return Object.fromEntries(entries) as Record<QueueName, QueueCounts>;
  }

  async close(): Promise<void> {
    await Promise.all(Object.values(this.queues).map((q) => q.close().catch(() => undefined)));
    this.connection.disconnect();
  }
}

export type { JobData, JobName, JobRequest };

/** The producer calls a request makes after its commit; none of them throws (see SafeJobs). */
export interface SafeJobs {
  /** Adds jobs; a repeat of a held job id is a no-op. */
  enqueue(requests: readonly JobRequest[]): Promise<void>;
  /** Adds a job again where a finished one with its id is still kept (a retried referral). */
  replace(request: JobRequest): Promise<void>;
  /** Removes waiting or delayed jobs whose work was cancelled. */
  remove(name: JobName, jobIds: readonly string[]): Promise<void>;
}

/**
 * The post-commit fast path: each call waits at most `timeoutMs` for Redis and never throws. A job that could
 * not be added now is added by the reconciler, because its record is committed in PostgreSQL already; a job
 * that could not be removed finds, when it runs, that its work was cancelled, and does nothing.
 */
export function safeJobs(jobs: JobQueues, warn: (msg: string) => void, timeoutMs = 1500): SafeJobs {
  async function attempt(what: string, work: () => Promise<void>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        work(),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`Redis did not answer within ${timeoutMs} ms`)),
            timeoutMs,
          );
          timer.unref();
        }),
      ]);
    } catch (err) {
      warn(`${what} (${(err as Error).message})`);
    } finally {
      clearTimeout(timer);
    }
  }
  return {
    enqueue: (requests) =>
      requests.length === 0
        ? Promise.resolve()
        : attempt(
            `${requests.length} job(s) not added now; the reconciler adds them when Redis answers`,
            () => jobs.add(requests),
          ),
    replace: (request) =>
      attempt(`job ${request.jobId} not added now; the reconciler adds it when Redis answers`, () =>
        jobs.replace(request),
      ),
    remove: (name, jobIds) =>
      jobIds.length === 0
        ? Promise.resolve()
        : attempt(`job(s) ${jobIds.join(', ')} not removed; they will find nothing to do`, () =>
            jobs.remove(name, jobIds),
          ),
  };
}
