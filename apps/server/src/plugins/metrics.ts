import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { type AllowedNet, metricsAccess } from '@korgon/config';
import { AUDIT_ANCHOR_FILE } from '@korgon/db';
import { ALERT_STATES, QUEUE_NAMES, REFERRAL_STATUSES, ROLES, WORKER_STALE_MS } from '@korgon/domain';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { sendError } from './errors';
import type { KorgonSocket } from './socket';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: {
      registry: Registry;
      /** Seconds from the start of a queue transaction to the push of its changes (features/queue/publisher.ts). */
      pushLag: Histogram;
    };
  }
}

export interface MetricsOptions {
  /** METRICS_TOKEN; undefined outside production leaves the allow-list alone on guard. */
  token: string | undefined;
  allow: AllowedNet[] | 'any';
  /** Where the worker appends the audit chain's checkpoints (AUDIT_ANCHOR_DIR, resolved). */
  auditAnchorDir: string;
  /** How long figures read from PostgreSQL are reused: scrapes of several Prometheus cost one query. */
  cacheMs?: number;
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
/** Redis gets a second at most, as /readyz gives it: a scrape never hangs on it. */
const REDIS_TIMEOUT_MS = 1000;

/**
 * The route a request matched, as registered (`/api/referrals/:id`), never the URL it came with: ids, codes and
 * query strings must not become labels (they would name people's records, and grow without end).
 */
function routeOf(req: FastifyRequest): string {
  return req.routeOptions.url ?? 'unmatched';
}

interface DbFigures {
  referrals: Map<string, number>;
  consultations: Map<string, number>;
  alerts: Map<string, number>;
  workersAlive: number;
  workerSeenAt: number | null;
}

/** The newest complete checkpoint's time (seconds since the epoch), from the file's last 4 KiB; null if none. */
async function lastAnchorAt(dir: string): Promise<number | null> {
  const file = await open(join(dir, AUDIT_ANCHOR_FILE), 'r').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (!file) return null;
  try {
    const { size } = await file.stat();
    const length = Math.min(size, 4096);
    const { buffer } = await file.read(Buffer.alloc(length), 0, length, size - length);
    // A line torn by a crash has no newline yet: the last complete line is before it.
    const lines = buffer.toString('utf8').split('\n').slice(0, -1).reverse();
    for (const line of lines) {
      try {
        const at = Date.parse((JSON.parse(line) as { at?: string }).at ?? '');
        if (!Number.isNaN(at)) return at / 1000;
      } catch {
        // A cut first line of the window, or a bad line: audit:verify reports those; look further back.
      }
    }
    return null;
  } finally {
    await file.close();
  }
}

/**
 * GET /metrics in the Prometheus text format, for Prometheus only (docs/operations.md "Metrics"): guarded by the
 * address allow-list and the bearer token, left out of the OpenAPI document. Every label is a route pattern, a
 * method, a status class, a role, a queue, a state or a kind: never an id, a name, a number or free text.
 *
 * A registry per app, not prom-client's global one, so tests that run several apps in one process do not
 * collide. Figures that live elsewhere (sockets, BullMQ, PostgreSQL, the checkpoint file) are read on scrape.
 */
export default fp<MetricsOptions>(
  async (app: FastifyInstance, opts) => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const cacheMs = opts.cacheMs ?? 10_000;

    const http = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP requests by method, route pattern and status class',
      labelNames: ['method', 'route', 'status_class'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
    app.addHook('onResponse', async (req, reply) => {
      http.observe(
        {
          method: METHODS.has(req.method) ? req.method : 'OTHER',
          route: routeOf(req),
          status_class: `${Math.floor(reply.statusCode / 100)}xx`,
        },
        reply.elapsedTime / 1000,
      );
    });

    const pushLag = new Histogram({
      name: 'korgon_queue_push_lag_seconds',
      help: 'From the start of a live-queue change to its push to the consoles (lock waits and retries included)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });

    new Gauge({
      name: 'korgon_sockets_connected',
      help: "Open Socket.IO connections of this server process by the user's role",
      labelNames: ['role'],
      registers: [registry],
      collect() {
        this.reset();
        const counts = new Map<string, number>(ROLES.map((r) => [r, 0]));
        if (app.hasDecorator('io'))
          for (const s of app.io.of('/').sockets.values()) {
            const role = (s as KorgonSocket).data.auth?.user.role;
            if (role && counts.has(role)) counts.set(role, (counts.get(role) ?? 0) + 1);
          }
        for (const [role, n] of counts) this.set({ role }, n);
      },
    });

    /** A value read from a source, reused for `ms`; null when the source did not answer. */
    const cachedSource = <T>(ms: number, read: () => Promise<T>) => {
      let cached: { at: number; value: Promise<T | null> } | undefined;
      return (): Promise<T | null> => {
        if (!cached || Date.now() - cached.at >= ms)
          cached = { at: Date.now(), value: read().catch(() => null) };
        return cached.value;
      };
    };

    // Within one scrape every collector asks once; Redis and the file are cheap, so only for a second.
    const jobCounts = cachedSource(1000, async () => {
      let timer: NodeJS.Timeout | undefined;
      try {
        return await Promise.race([
          app.jobs.counts(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error('Redis did not answer')), REDIS_TIMEOUT_MS);
          }),
        ]);
      } finally {
        clearTimeout(timer);
      }
    });
    new Gauge({
      name: 'korgon_jobs',
      help: 'BullMQ jobs by queue and state (waiting includes prioritized)',
      labelNames: ['queue', 'state'],
      registers: [registry],
      async collect() {
        const counts = await jobCounts();
        this.reset();
        if (counts)
          for (const queue of QUEUE_NAMES)
            for (const [state, n] of Object.entries(counts[queue])) this.set({ queue, state }, n);
      },
    });

    // One round trip for every figure PostgreSQL holds, reused for cacheMs.
    const dbFigures = cachedSource(cacheMs, async (): Promise<DbFigures> => {
      const { rows } = await app.pool
        .query<{ kind: string; key: string | null; n: number }>(
          `SELECT 'referral' AS kind, status::text AS key, count(*)::float8 AS n FROM referrals GROUP BY status
           UNION ALL
           SELECT 'consultation', status::text, count(*)::float8 FROM consultations GROUP BY status
           UNION ALL
           SELECT 'alert', kind::text || ':' || state::text, count(*)::float8 FROM alerts
             WHERE state <> 'resolved' GROUP BY kind, state
           UNION ALL
           SELECT 'workers_alive', NULL, count(*)::float8 FROM worker_heartbeats
             WHERE seen_at > now() - make_interval(secs => $1)
           UNION ALL
           SELECT 'worker_seen', NULL, extract(epoch FROM max(seen_at))::float8 FROM worker_heartbeats`,
          [WORKER_STALE_MS / 1000],
        )
        .catch((err: Error) => {
          app.log.warn({ err: { message: err.message } }, 'metrics: PostgreSQL figures not read');
          throw err;
        });
      const f: DbFigures = {
        referrals: new Map(),
        consultations: new Map(),
        alerts: new Map(),
        workersAlive: 0,
        workerSeenAt: null,
      };
      for (const r of rows) {
        if (r.kind === 'referral' && r.key) f.referrals.set(r.key, r.n);
        else if (r.kind === 'consultation' && r.key) f.consultations.set(r.key, r.n);
        else if (r.kind === 'alert' && r.key) f.alerts.set(r.key, r.n);
        else if (r.kind === 'workers_alive') f.workersAlive = r.n;
        else if (r.kind === 'worker_seen') f.workerSeenAt = r.n;
      }
      return f;
    });

    new Gauge({
      name: 'korgon_referrals',
      help: 'Referrals by status',
      labelNames: ['status'],
      registers: [registry],
      async collect() {
        const f = await dbFigures();
        this.reset();
        if (f) for (const status of REFERRAL_STATUSES) this.set({ status }, f.referrals.get(status) ?? 0);
      },
    });
    new Gauge({
      name: 'korgon_consultations',
      help: 'Consultations by status (final: saved for good); rate() of final is consultations saved',
      labelNames: ['status'],
      registers: [registry],
      async collect() {
        const f = await dbFigures();
        this.reset();
        if (f)
          for (const status of ['draft', 'final']) this.set({ status }, f.consultations.get(status) ?? 0);
      },
    });
    new Gauge({
      name: 'korgon_alerts_unresolved',
      help: "The supervisor's alerts not yet resolved, by kind and state (open, acknowledged)",
      labelNames: ['kind', 'state'],
      registers: [registry],
      async collect() {
        const f = await dbFigures();
        this.reset();
        if (!f) return;
        for (const state of ALERT_STATES.filter((s) => s !== 'resolved')) this.set({ kind: 'any', state }, 0);
        for (const [key, n] of f.alerts) {
          const [kind = '', state = ''] = key.split(':');
          this.set({ kind, state }, n);
          this.inc({ kind: 'any', state }, n);
        }
      },
    });
    new Gauge({
      name: 'korgon_workers_alive',
      help: `Workers whose heartbeat is younger than ${WORKER_STALE_MS / 1000} s`,
      registers: [registry],
      async collect() {
        const f = await dbFigures();
        if (f) this.set(f.workersAlive);
      },
    });
    new Gauge({
      name: 'korgon_worker_last_seen_timestamp_seconds',
      help: 'The newest worker heartbeat; 0 when no worker has a heartbeat row (none ever ran, or all stopped)',
      registers: [registry],
      async collect() {
        const f = await dbFigures();
        if (f) this.set(f.workerSeenAt ?? 0);
      },
    });

    // The file holds no checkpoint yet: -1, told apart from a file that could not be read (null).
    const anchorAt = cachedSource(cacheMs, async () => (await lastAnchorAt(opts.auditAnchorDir)) ?? -1);
    new Gauge({
      name: 'korgon_audit_anchor_last_timestamp_seconds',
      help: 'When the newest signed checkpoint of the audit chain was taken; 0 when there is none',
      registers: [registry],
      async collect() {
        const at = await anchorAt();
        this.set(at === null || at < 0 ? 0 : at);
      },
    });

    // Last, and after the sources answered: collectors run at once, and this one reports how they went.
    new Gauge({
      name: 'korgon_metrics_source_up',
      help: 'Whether this scrape could read the source (postgres, redis, audit_anchor)',
      labelNames: ['source'],
      registers: [registry],
      async collect() {
        const [db, jobs, anchor] = await Promise.all([dbFigures(), jobCounts(), anchorAt()]);
        this.set({ source: 'postgres' }, db ? 1 : 0);
        this.set({ source: 'redis' }, jobs ? 1 : 0);
        this.set({ source: 'audit_anchor' }, anchor === null ? 0 : 1);
      },
    });

    app.decorate('metrics', { registry, pushLag });

    const refuse = metricsAccess({ token: opts.token, allow: opts.allow });
    app.get(
      '/metrics',
      // Public to the session guard: Prometheus has no session. Its own guard is the address and the token.
      { config: { public: true }, schema: { hide: true } },
      async (req, reply) => {
        const refusal = refuse(req.ip, req.headers.authorization);
        if (refusal === 'address')
          return sendError(reply, 403, {
            code: 'forbidden',
            message: 'Metrics are read only from the addresses in METRICS_ALLOW (docs/operations.md).',
          });
        if (refusal === 'token') {
          reply.header('www-authenticate', 'Bearer realm="metrics"');
          return sendError(reply, 401, {
            code: 'unauthenticated',
            message: 'Send Authorization: Bearer <METRICS_TOKEN> to read the metrics (docs/operations.md).',
          });
        }
        const body = await registry.metrics();
        return reply.header('cache-control', 'no-store').type(registry.contentType).send(body);
      },
    );
  },
  { name: 'metrics', dependencies: ['db', 'jobs'] },
);
