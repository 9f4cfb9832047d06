import rateLimit from '@fastify/rate-limit';
import { type RedisSettings, redisConnection } from '@korgon/jobs';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * Rate limits are opt-in per route (sign-in, unknown paths); authenticated routes are guarded by sessions.
 * The counts live in Redis, so every server process shares one count per key. Its connection fails fast and
 * a failed count lets the request through (`skipOnError`): a Redis outage must not lock operators out.
 */
export default fp<{ redis: RedisSettings }>(
  async (app: FastifyInstance, opts) => {
    const redis = redisConnection(opts.redis.url, { failFast: true, name: 'korgon-rate-limit' });
    redis.on('error', () => undefined);
    await app.register(rateLimit, {
      global: false,
      redis,
      nameSpace: `${opts.redis.prefix}:rate-limit:`,
      skipOnError: true,
      keyGenerator: (req) => `ip:${req.ip}`,
    });
    app.addHook('onClose', async () => {
      redis.disconnect();
    });
  },
  { name: 'rate-limit' },
);
