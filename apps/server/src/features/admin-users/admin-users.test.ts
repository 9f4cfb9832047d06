import { createTestApp, signIn, TEST_ORIGIN, type TestApp } from '@korgon/dev/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let t: TestApp;
let admin: string;
beforeAll(async () => {
  t = await createTestApp({ label: 'admin' });
  admin = await signIn(t.app, 'admin');
});
afterAll(async () => t?.close());

const asAdmin = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) =>
  t.app.inject({
    method,
    url,
    headers: { cookie: admin, origin: TEST_ORIGIN },
    ...(payload ? { payload } : {}),
  });

async function userId(username: string): Promise<string> {
  const list = (await asAdmin('GET', '/api/admin/users')).json() as { id: string; username: string }[];
  const found = list.find((u) => u.username === username);
  if (!found) throw new Error(`no ${username}`);
  return found.id;
}

describe('who may manage users', () => {
  it('answers 401 without a session and 403 for roles other than admin', async () => {
    expect((await t.app.inject({ url: '/api/admin/users' })).statusCode).toBe(401);
    for (const username of ['operator1', 'supervisor', 'manager', 'partner-police-bishkek']) {
      const cookie = await signIn(t.app, username);
      const res = await t.app.inject({ url: '/api/admin/users', headers: { cookie } });
      expect(res.statusCode, username).toBe(403);
      expect(res.json().code).toBe('forbidden');
    }
    expect((await asAdmin('GET', '/api/admin/users')).statusCode).toBe(200);
  });

  it('answers 401 before looking at the body of an unauthenticated change', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/admin/users',
      headers: { origin: TEST_ORIGIN },
      payload: {},
    });
    expect(res.statusCode).toBe(401);
  });
});

describe('users and permission changes', () => {
  it('creates a user, refuses a duplicate with 409, and names bad fields with 400', async () => {
    const body = {
      username: 'operator9',
      displayName: 'Nine',
      role: 'operator',
      password: 'a long enough password',
    };
    const created = await asAdmin('POST', '/api/admin/users', body);
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ username: 'operator9', role: 'operator', active: true });
    expect(created.json()).not.toHaveProperty('passwordHash');
    expect((await asAdmin('POST', '/api/admin/users', body)).statusCode).toBe(409);
    const short = await asAdmin('POST', '/api/admin/users', { ...body, username: 'x1', password: 'short' });
    expect(short.statusCode).toBe(400);
    expect(short.json().issues).toContainEqual({
      path: 'body.password',
      message: 'A password has at least 12 characters.',
    });
    const partnerless = await asAdmin('POST', '/api/admin/users', {
      ...body,
      username: 'p1',
      role: 'partner',
    });
    expect(partnerless.statusCode).toBe(400);
    expect(partnerless.json().issues[0].path).toBe('body.partnerOrgId');
  });

  it('changes a role, audits it, and the new role takes effect on the live session', async () => {
    const id = await userId('operator3');
    const cookie = await signIn(t.app, 'operator3');
    expect((await t.app.inject({ url: '/api/admin/users', headers: { cookie } })).statusCode).toBe(403);
    const res = await asAdmin('PATCH', `/api/admin/users/${id}`, { role: 'supervisor' });
    expect(res.statusCode).toBe(200);
    expect(res.json().role).toBe('supervisor');
    const me = await t.app.inject({ url: '/api/auth/me', headers: { cookie } });
    expect(me.json().role).toBe('supervisor');
    const { rows } = await t.db.pool.query(
      "SELECT actor_role, target_id, details FROM audit_log WHERE action = 'user.role_changed'",
    );
    expect(rows).toEqual([
      { actor_role: 'admin', target_id: id, details: { from: 'operator', to: 'supervisor' } },
    ]);
  });

  it('deactivating a user ends their sessions at once', async () => {
    const id = await userId('operator2');
    const cookie = await signIn(t.app, 'operator2');
    const res = await asAdmin('PATCH', `/api/admin/users/${id}`, { active: false });
    expect(res.statusCode).toBe(200);
    expect((await t.app.inject({ url: '/api/auth/me', headers: { cookie } })).statusCode).toBe(401);
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { origin: TEST_ORIGIN },
      payload: { username: 'operator2', password: 'correct horse battery staple' },
    });
    expect(login.statusCode).toBe(401);
    const { rows } = await t.db.pool.query(
      "SELECT count(*)::int AS n FROM audit_log WHERE action = 'user.deactivated'",
    );
    expect(rows[0].n).toBe(1);
  });

  it('refuses an admin changing their own role, an unknown user and a bad id', async () => {
    const self = await userId('admin');
    expect((await asAdmin('PATCH', `/api/admin/users/${self}`, { role: 'operator' })).statusCode).toBe(403);
    expect(
      (await asAdmin('PATCH', '/api/admin/users/00000000-0000-4000-8000-000000000000', { active: true }))
        .statusCode,
    ).toBe(404);
    const bad = await asAdmin('PATCH', '/api/admin/users/not-a-uuid', { active: true });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().issues[0].path).toBe('params.id');
    const empty = await asAdmin('PATCH', `/api/admin/users/${self}`, {});
    expect(empty.statusCode).toBe(400);
  });

  it('lets an admin list and end another user’s session', async () => {
    const id = await userId('manager');
    const cookie = await signIn(t.app, 'manager');
    const list = await asAdmin('GET', `/api/admin/users/${id}/sessions`);
    const session = (list.json() as { id: string }[]).at(-1);
    expect(session).toBeDefined();
    const del = await t.app.inject({
      method: 'DELETE',
      url: `/api/admin/sessions/${session?.id}`,
      headers: { cookie: admin, origin: TEST_ORIGIN },
    });
    expect(del.statusCode).toBe(200);
    expect((await t.app.inject({ url: '/api/auth/me', headers: { cookie } })).statusCode).toBe(401);
  });
});
