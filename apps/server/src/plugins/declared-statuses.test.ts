import { ErrorBody } from '@korgon/domain';
import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConflictError } from '../errors';
import declaredStatuses, { isDeclared, sharedStatuses, type UndeclaredStatus } from './declared-statuses';
import errorsPlugin from './errors';

const Ok = z.object({ ok: z.literal(true) });

/** A bare server with test-only routes: one answers a status it does not declare. */
async function build(strict: boolean) {
  const reported: UndeclaredStatus[] = [];
  const schemas = new Map<string, Record<string, unknown>>();
  const app = Fastify({ logger: false }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(errorsPlugin);
  await app.register(declaredStatuses, { strict, report: (u) => reported.push(u) });
  app.addHook('onRoute', (r) => {
    const response = (r.schema as { response?: Record<string, unknown> } | undefined)?.response;
    if (response && r.method === 'POST') schemas.set(r.url, response);
  });
  app.post(
    '/api/test/conflict',
    { config: { public: true }, schema: { body: z.object({ n: z.number() }), response: { 200: Ok } } },
    async () => {
      // Thrown, as a service does: the route's types cannot see it coming.
      throw new ConflictError('That is taken.');
    },
  );
  app.post(
    '/api/test/declared',
    {
      config: { public: true },
      schema: { body: z.object({ n: z.number() }), response: { 200: Ok, '4xx': ErrorBody } },
    },
    async () => {
      // Thrown, as a service does: the route's types cannot see it coming.
      throw new ConflictError('That is taken.');
    },
  );
  await app.ready();
  return { app, reported, schemas };
}

describe('declared statuses', () => {
  it('replaces an undeclared status with a loud 500 and reports it, in strict mode', async () => {
    const { app, reported } = await build(true);
    const res = await app.inject({ method: 'POST', url: '/api/test/conflict', payload: { n: 1 } });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toMatchObject({
      error: 'undeclared_status',
      status: 409,
      route: '/api/test/conflict',
    });
    expect(reported).toEqual([
      expect.objectContaining({ method: 'POST', route: '/api/test/conflict', status: 409 }),
    ]);
    await app.close();
  });

  it('lets declared statuses through: exact, through 4xx, and the shared ones (a failed validation)', async () => {
    const { app, reported } = await build(true);
    const viaRange = await app.inject({ method: 'POST', url: '/api/test/declared', payload: { n: 1 } });
    expect(viaRange.statusCode).toBe(409);
    const invalid = await app.inject({ method: 'POST', url: '/api/test/conflict', payload: { n: 'x' } });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json()).toMatchObject({ code: 'invalid_request' });
    expect(reported).toEqual([]);
    await app.close();
  });

  it('leaves answers alone when not strict, and documents the shared statuses on every route', async () => {
    const { app, reported, schemas } = await build(false);
    const res = await app.inject({ method: 'POST', url: '/api/test/conflict', payload: { n: 1 } });
    expect(res.statusCode).toBe(409);
    expect(reported).toEqual([]);
    // A public POST: validation, another origin, body size and type, the error handler.
    expect(Object.keys(schemas.get('/api/test/conflict') ?? {}).sort()).toEqual(
      ['200', '400', '403', '413', '415', '500', '503'].sort(),
    );
    await app.close();
  });

  it('knows which statuses the shared plugins may answer', () => {
    expect(sharedStatuses({ method: 'GET', url: '/api/things', config: { permission: 'me:read' } })).toEqual([
      400, 401, 403, 500, 503,
    ]);
    expect(
      sharedStatuses({ method: 'POST', url: '/api/telephony/events', config: { signed: true } }),
    ).toEqual([400, 413, 415, 500, 503]);
    expect(
      sharedStatuses({ method: 'GET', url: '/api/wall/x', config: { public: true, rateLimit: { max: 1 } } }),
    ).toEqual([400, 429, 500, 503]);
    expect(isDeclared({ 200: Ok, default: ErrorBody }, 418)).toBe(true);
    expect(isDeclared({ 200: Ok, '5xx': ErrorBody }, 404)).toBe(false);
  });
});
