import { freshDatabase } from '@korgon/dev/testing';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import authPlugin from './auth';
import dbPlugin from './db';

const opts = {
  sessionSecret: 'x'.repeat(40),
  ttlHours: 1,
  idleMinutes: 10,
  secureCookies: false,
  notesKey: Buffer.alloc(32, 7).toString('base64'),
  notesKeyVersion: 1,
};

async function appWith(route: (app: ReturnType<typeof Fastify>) => void) {
  const app = Fastify();
  await app.register(dbPlugin, { databaseUrl: await freshDatabase('guard'), poolSize: 1 });
  await app.register(authPlugin, opts);
  await app.register(async (child) => route(child));
  return app;
}

describe('the guard', () => {
  it('refuses to register an /api route that does not say who may call it', async () => {
    await expect(appWith((a) => a.get('/api/forgotten', async () => 'open'))).rejects.toThrow(
      /GET \/api\/forgotten must declare config.public, config.signed or config.permission/,
    );
  });

  it('accepts routes that declare a permission or are public, and guards the former', async () => {
    const app = await appWith((a) => {
      a.get('/api/open', { config: { public: true } }, async () => 'open');
      a.get('/api/closed', { config: { permission: 'users:read' } }, async () => 'closed');
    });
    await app.ready();
    expect((await app.inject({ url: '/api/open' })).body).toBe('open');
    expect((await app.inject({ url: '/api/closed' })).statusCode).toBe(401);
    await app.close();
  });
});
