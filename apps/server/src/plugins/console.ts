import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    /** Where the built console is served from, when it is. */
    consoleRoot: string | null;
  }
}

/** Serves the built console (apps/console/dist); unknown non-API paths get its index.html (client routing). */
export default fp(
  async (app: FastifyInstance, opts: { root: string }) => {
    const available = existsSync(join(opts.root, 'index.html'));
    app.decorate('consoleRoot', available ? opts.root : null);
    if (!available) {
      app.log.warn({ root: opts.root }, 'the console is not built; run `pnpm build` to serve it');
      return;
    }
    await app.register(fastifyStatic, {
      root: opts.root,
      wildcard: false,
      index: ['index.html'],
      cacheControl: false,
      setHeaders: (res, path) => {
        res.setHeader(
          'cache-control',
          path.includes(`${join(opts.root, 'assets')}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
      },
    });
  },
  { name: 'console' },
);
