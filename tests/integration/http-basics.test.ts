import { createTestApp, signIn, type TestApp } from '@korgon/dev/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ label: 'http' });
});
afterAll(async () => t?.close());

describe('OpenAPI', () => {
  it('serves a document generated from the zod schemas', async () => {
    const res = await t.app.inject({ url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    const login = doc.paths['/api/auth/login'].post;
    const body = login.requestBody.content['application/json'].schema;
    const schema = body.$ref ? doc.components.schemas[body.$ref.split('/').pop()] : body;
    expect(schema.required).toEqual(expect.arrayContaining(['username', 'password']));
    expect(Object.keys(login.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '429']));
    for (const path of ['/api/auth/me', '/api/admin/users', '/api/me', '/readyz'])
      expect(doc.paths).toHaveProperty([path]);
  });

  it('serves a browsable UI at /api/docs', async () => {
    const res = await t.app.inject({ url: '/api/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.body).toMatch(/swagger/i);
  });
});

describe('security headers', () => {
  it('sends a strict Content-Security-Policy and no-store on authenticated responses', async () => {
    const cookie = await signIn(t.app, 'operator1');
    const res = await t.app.inject({ url: '/api/auth/me', headers: { cookie } });
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });
});

describe('errors', () => {
  it('answers an unknown API path with a JSON 404, never a stack', async () => {
    const res = await t.app.inject({ url: '/api/nothing-here' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ code: 'not_found', message: 'There is no GET /api/nothing-here here.' });
  });

  it('refuses a body that is not JSON with 415 and says what to send', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { origin: 'http://localhost:8080', 'content-type': 'text/plain' },
      payload: 'username=admin',
    });
    expect(res.statusCode).toBe(415);
    expect(res.json().message).toMatch(/application\/json/);
  });
});

describe('the console', () => {
  it('is served by the server, with client-side routes falling back to index.html', async () => {
    const root = await t.app.inject({ url: '/' });
    expect(root.statusCode).toBe(200);
    expect(root.headers['content-type']).toMatch(/text\/html/);
    const deep = await t.app.inject({ url: '/desk' });
    expect(deep.statusCode).toBe(200);
    expect(deep.body).toBe(root.body);
  });
});
