import {
  connectConsole,
  createTestApp,
  freshTotpCode,
  signIn,
  TEST_PASSWORD,
  type TestApp,
  totpSecretOf,
} from '@korgon/dev/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** Extensions, password resets and display names: what an administrator does for the people on the line. */
let t: TestApp;
let admin: string;
beforeAll(async () => {
  t = await createTestApp({ label: 'accounts', listen: true });
  admin = await signIn(t.app, 'admin');
});
afterAll(async () => t?.close());

const as = (cookie: string, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) =>
  t.app.inject({ method, url, headers: { cookie, origin: t.baseUrl }, ...(payload ? { payload } : {}) });
const asAdmin = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) =>
  as(admin, method, url, payload);

async function userId(username: string): Promise<string> {
  const list = (await asAdmin('GET', '/api/admin/users')).json() as { id: string; username: string }[];
  const found = list.find((u) => u.username === username);
  if (!found) throw new Error(`no ${username}`);
  return found.id;
}

async function auditOf(action: string, targetId: string) {
  const { rows } = await t.db.pool.query(
    'SELECT actor_role, details FROM audit_log WHERE action = $1 AND target_id = $2 ORDER BY id',
    [action, targetId],
  );
  return rows;
}

/** The second factor of a pending sign-in (supervisors and managers have one): the code their app shows. */
async function passFactor(cookie: string, username: string) {
  const res = await as(cookie, 'POST', '/api/auth/second-factor/verify', {
    code: await freshTotpCode(totpSecretOf(username)),
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

const login = (username: string, password: string) =>
  t.app.inject({
    method: 'POST',
    url: '/api/auth/login',
    headers: { 'sec-fetch-site': 'same-origin' },
    payload: { username, password },
  });

describe('extensions', () => {
  it('are listed, set, refused when taken (409 naming the holder), cleared, and audited', async () => {
    const list = (await asAdmin('GET', '/api/admin/users')).json() as {
      username: string;
      extension: string;
    }[];
    expect(list.find((u) => u.username === 'operator1')?.extension).toBe('101');

    const op2 = await userId('operator2');
    const taken = await asAdmin('PATCH', `/api/admin/users/${op2}`, { extension: '101' });
    expect(taken.statusCode).toBe(409);
    expect(taken.json()).toMatchObject({ code: 'conflict' });
    expect(taken.json().message).toBe(
      'Extension 101 is already held by Айгүл Асанова (operator1). Clear it there first, or choose another extension.',
    );

    const set = await asAdmin('PATCH', `/api/admin/users/${op2}`, { extension: ' 120 ' });
    expect(set.statusCode).toBe(200);
    expect(set.json().extension).toBe('120');
    // Giving it again to the same person changes nothing and is not a conflict.
    expect((await asAdmin('PATCH', `/api/admin/users/${op2}`, { extension: '120' })).statusCode).toBe(200);

    const cleared = await asAdmin('PATCH', `/api/admin/users/${op2}`, { extension: null });
    expect(cleared.statusCode).toBe(200);
    expect(cleared.json().extension).toBeNull();
    expect(await auditOf('user.extension_changed', op2)).toEqual([
      { actor_role: 'admin', details: { from: '102', to: '120' } },
      { actor_role: 'admin', details: { from: '120', to: null } },
    ]);
    // Freed: another operator can have 102 now.
    const op3 = await userId('operator3');
    expect((await asAdmin('PATCH', `/api/admin/users/${op3}`, { extension: '102' })).json().extension).toBe(
      '102',
    );
  });

  it('names a bad extension, and refuses one for a role that answers no calls', async () => {
    const op1 = await userId('operator1');
    const letters = await asAdmin('PATCH', `/api/admin/users/${op1}`, { extension: '10a' });
    expect(letters.statusCode).toBe(400);
    expect(letters.json().issues).toContainEqual({
      path: 'body.extension',
      message: 'An extension is 2 to 10 digits, for example 101.',
    });
    const manager = await userId('manager');
    const res = await asAdmin('PATCH', `/api/admin/users/${manager}`, { extension: '150' });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toBe(
      'Only operators and supervisors answer calls, so only they hold an extension.',
    );
    expect(await auditOf('user.extension_changed', manager)).toEqual([]);
  });

  it('is given at creation, unique there too, and freed when the role stops answering calls', async () => {
    const body = {
      username: 'operator7',
      displayName: 'Бермет Сатыбалдиева',
      role: 'operator',
      password: 'a long enough password',
      extension: '110',
    };
    const taken = await asAdmin('POST', '/api/admin/users', body);
    expect(taken.statusCode).toBe(409);
    expect(taken.json().message).toMatch(
      /^Extension 110 is already held by Гүлнара Жумабаева \(supervisor\)\./,
    );
    const created = await asAdmin('POST', '/api/admin/users', { ...body, extension: '107' });
    expect(created.statusCode).toBe(201);
    expect(created.json().extension).toBe('107');
    const id = created.json().id as string;
    const manager = await asAdmin('PATCH', `/api/admin/users/${id}`, { role: 'manager' });
    expect(manager.json()).toMatchObject({ role: 'manager', extension: null });
    expect(await auditOf('user.extension_changed', id)).toEqual([
      { actor_role: 'admin', details: { from: '107', to: null } },
    ]);
  });
});

describe('display names', () => {
  it('are edited, trimmed, validated and audited', async () => {
    const id = await userId('operator1');
    const blank = await asAdmin('PATCH', `/api/admin/users/${id}`, { displayName: '   ' });
    expect(blank.statusCode).toBe(400);
    expect(blank.json().issues).toContainEqual({
      path: 'body.displayName',
      message: 'Enter a display name.',
    });
    const twoLines = await asAdmin('PATCH', `/api/admin/users/${id}`, { displayName: 'Айгүл\nАсанова' });
    expect(twoLines.statusCode).toBe(400);
    const long = await asAdmin('PATCH', `/api/admin/users/${id}`, { displayName: 'А'.repeat(121) });
    expect(long.json().issues[0].message).toBe('A display name has at most 120 characters.');

    const ok = await asAdmin('PATCH', `/api/admin/users/${id}`, { displayName: '  Айгүл Асанова-Бекова ' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().displayName).toBe('Айгүл Асанова-Бекова');
    const me = await as(await signIn(t.app, 'operator1'), 'GET', '/api/auth/me');
    expect(me.json().displayName).toBe('Айгүл Асанова-Бекова');
    expect(await auditOf('user.display_name_changed', id)).toEqual([
      { actor_role: 'admin', details: { from: 'Айгүл Асанова', to: 'Айгүл Асанова-Бекова' } },
    ]);
    // Only a change is a change.
    await asAdmin('PATCH', `/api/admin/users/${id}`, { displayName: 'Айгүл Асанова-Бекова' });
    expect(await auditOf('user.display_name_changed', id)).toHaveLength(1);
  });
});

describe('password reset', () => {
  it('gives a one-time password that works once and must be changed; the old one and old sessions end', async () => {
    const id = await userId('supervisor');
    const before = await signIn(t.app, 'supervisor');
    const res = await asAdmin('POST', `/api/admin/users/${id}/password-reset`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const { oneTimePassword, sessionsEnded } = res.json() as {
      oneTimePassword: string;
      sessionsEnded: number;
    };
    expect(oneTimePassword).toMatch(/^[A-Za-z0-9_-]{20}$/);
    expect(sessionsEnded).toBe(1);

    // Never stored in clear.
    const stored = await t.db.pool.query(
      'SELECT password_hash, must_change_password FROM users WHERE id = $1',
      [id],
    );
    expect(stored.rows[0].password_hash).toMatch(/^\$argon2id\$/);
    expect(stored.rows[0].must_change_password).toBe(true);
    const leaks = await t.db.pool.query(
      "SELECT count(*)::int AS n FROM audit_log WHERE details::text LIKE '%' || $1 || '%'",
      [oneTimePassword],
    );
    expect(leaks.rows[0].n).toBe(0);

    // The old session and the old password are gone.
    expect((await as(before, 'GET', '/api/auth/me')).statusCode).toBe(401);
    expect((await login('supervisor', TEST_PASSWORD)).statusCode).toBe(401);

    // The one-time password signs in, and says it must be changed.
    const first = await login('supervisor', oneTimePassword);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ username: 'supervisor', mustChangePassword: true, next: 'totp' });
    const cookie = `${first.cookies[0]?.name}=${first.cookies[0]?.value}`;
    // Her second factor first; the one-time password still has to be changed after it.
    expect(await passFactor(cookie, 'supervisor')).toMatchObject({ mustChangePassword: true });

    // Everything but changing the password, reading oneself and signing out answers 403 with its own code.
    for (const url of ['/api/queue', '/api/auth/sessions', '/api/partners']) {
      const blocked = await as(cookie, 'GET', url);
      expect(blocked.statusCode, url).toBe(403);
      expect(blocked.json(), url).toMatchObject({ code: 'password_change_required' });
      expect(blocked.json().message).toMatch(/one-time password/);
    }
    expect((await as(cookie, 'GET', '/api/auth/me')).json().mustChangePassword).toBe(true);

    // Changing it needs the one-time password, and a new one that differs.
    const same = await as(cookie, 'POST', '/api/me/password', {
      currentPassword: oneTimePassword,
      newPassword: oneTimePassword,
    });
    expect(same.statusCode).toBe(400);
    const changed = await as(cookie, 'POST', '/api/me/password', {
      currentPassword: oneTimePassword,
      newPassword: 'the supervisor’s own passphrase',
    });
    expect(changed.statusCode).toBe(200);
    expect((await as(cookie, 'GET', '/api/auth/me')).json().mustChangePassword).toBe(false);
    expect((await as(cookie, 'GET', '/api/queue')).statusCode).toBe(200);

    // The one-time password worked once: it is no longer the password.
    expect((await login('supervisor', oneTimePassword)).statusCode).toBe(401);
    const again = await login('supervisor', 'the supervisor’s own passphrase');
    expect(again.statusCode).toBe(200);
    expect(again.json().mustChangePassword).toBe(false);

    expect(await auditOf('user.password_reset', id)).toEqual([
      { actor_role: 'admin', details: { sessionsEnded: 1 } },
    ]);
    const changes = await t.db.pool.query(
      "SELECT count(*)::int AS n FROM audit_log WHERE action = 'auth.password_changed' AND actor_id = $1",
      [id],
    );
    expect(changes.rows[0].n).toBe(1);
  });

  it('lets a user with a one-time password sign out, and refuses a socket until the password is changed', async () => {
    const id = await userId('manager');
    const { oneTimePassword } = (await asAdmin('POST', `/api/admin/users/${id}/password-reset`)).json();
    const first = await login('manager', oneTimePassword);
    const cookie = `${first.cookies[0]?.name}=${first.cookies[0]?.value}`;
    await passFactor(cookie, 'manager');
    await expect(connectConsole(t.baseUrl, cookie)).rejects.toThrow(/password_change_required/);
    expect((await as(cookie, 'POST', '/api/auth/logout')).statusCode).toBe(200);
    expect((await as(cookie, 'GET', '/api/auth/me')).statusCode).toBe(401);
  });

  it('is for administrators only, not for oneself, and 404 for nobody', async () => {
    const id = await userId('operator1');
    const partner = await signIn(t.app, 'partner-police-bishkek');
    const refused = await as(partner, 'POST', `/api/admin/users/${id}/password-reset`);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe('forbidden');
    const self = await asAdmin('POST', `/api/admin/users/${await userId('admin')}/password-reset`);
    expect(self.statusCode).toBe(403);
    expect(self.json().message).toMatch(/cannot reset your own password/);
    const nobody = await asAdmin(
      'POST',
      '/api/admin/users/00000000-0000-4000-8000-000000000000/password-reset',
    );
    expect(nobody.statusCode).toBe(404);
    // Nothing changed for operator1.
    expect((await login('operator1', TEST_PASSWORD)).json().mustChangePassword).toBe(false);
  });
});
