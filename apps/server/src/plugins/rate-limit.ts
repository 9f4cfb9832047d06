import rateLimit, { type FastifyRateLimitStore } from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type pg from 'pg';

type IncrCallback = (error: Error | null, result?: { current: number; ttl: number }) => void;

/**
 * A @fastify/rate-limit store kept in PostgreSQL (table rate_limits), so every server process shares one
 * count per key. Fixed windows: one atomic upsert per request.
 */
export function pgRateLimitStore(pool: pg.Pool) {
  return class PgRateLimitStore implements FastifyRateLimitStore {
    incr(key: string, cb: IncrCallback, timeWindow?: number): void {
      const windowMs = timeWindow ?? 60_000;
      pool
        .query<{ count: number; ttl: number }>(
          `INSERT INTO rate_limits (key, count, reset_at)
           VALUES ($1, 1, now() + make_interval(secs => $2::double precision / 1000))
           ON CONFLICT (key) DO UPDATE SET
             count    = CASE WHEN rate_limits.reset_at <= now() THEN 1 ELSE rate_limits.count + 1 END,
             reset_at = CASE WHEN rate_limits.reset_at <= now() THEN EXCLUDED.reset_at ELSE rate_limits.reset_at END
           RETURNING count, greatest(0, ceil(extract(epoch FROM reset_at - now()) * 1000))::int AS ttl`,
          [key, windowMs],
        )
        .then((r) => {
          const row = r.rows[0];
          cb(null, { current: row?.count ?? 1, ttl: row?.ttl ?? windowMs });
        })
        .catch((err: Error) => cb(err));
    }
    child(): FastifyRateLimitStore {
      return new PgRateLimitStore();
    }
  };
}

/** Rate limits are opt-in per route (sign-in, unknown paths); authenticated routes are guarded by sessions. */
export default fp(
  async (app: FastifyInstance) => {
    await app.register(rateLimit, {
      global: false,
      store: pgRateLimitStore(app.pool),
      skipOnError: true,
      keyGenerator: (req) => `ip:${req.ip}`,
    });
  },
  { name: 'rate-limit', dependencies: ['db'] },
);
