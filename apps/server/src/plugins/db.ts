import { createDb, type Db } from '@korgon/db';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type pg from 'pg';

declare module 'fastify' {
  interface FastifyInstance {
    db: Db;
    pool: pg.Pool;
  }
}

export interface DbPluginOptions {
  databaseUrl: string;
  poolSize?: number;
}

/** One pool per process; closed last on shutdown. */
export default fp<DbPluginOptions>(
  async (app: FastifyInstance, opts) => {
    const handle = createDb(opts.databaseUrl, {
      max: opts.poolSize ?? 20,
      // Kept open when idle: requests after a quiet spell do not pay for new connections.
      min: 5,
      applicationName: 'korgon-server',
      onIdleError: (err) => app.log.warn({ err: { message: err.message } }, 'idle database connection lost'),
    });
    app.decorate('db', handle.db);
    app.decorate('pool', handle.pool);
    app.addHook('onClose', async () => handle.close());
  },
  { name: 'db' },
);
