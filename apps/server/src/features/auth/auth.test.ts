import {
  createTestApp,
  freshTotpCode,
  signIn,
  TEST_ORIGIN,
  TEST_PASSWORD,
  type TestApp,
  totpSecretOf,
} from '@korgon/dev/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ label: 'auth' });
});
afterAll(async () => t?.close());

const login = (
  username: string,
  password: string,
  headers: Record<string, string> = { origin: TEST_ORIGIN },
) => t.app.inject({ method: 'POST', url: '/api/auth/login', headers, payload: { username, password } });

async function auditActions(): Promise<string[]> {
  const { rows } = await t.db.pool.query<{ action: string }>('SELECT action FROM audit_log ORDER BY id');
  return rows.map((r) => r.action);
}

describe('sign-in', () => {
  it('sets an httpOnly, SameSite=strict session cookie and returns the user with permissions', async () => {
    const res = await login('operator1', TEST_PASSWORD);
    expect(res.statusCode).toBe(200);
    const cookie = res.cookies[0];
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe('Strict');
    expect(cookie?.secure).toBeFalsy();
    expect(res.json()).toMatchObject({ username: 'operator1', role: 'operator', locale: 'ky' });
    expect(res.json().permissions).toContain('desk:use');
    expect(res.json().permissions).not.toContain('users:manage');
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('keeps no clear token in the database', async () => {
    const res = await login('operator2', TEST_PASSWORD);
    const token = res.cookies[0]?.value ?? '';
    const { rows } = await t.db.pool.query('SELECT id FROM sessions');
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.some((r) => r.id === token)).toBe(false);
  });

  it('answers bad credentials with 401 and the same message for unknown users', async () => {
    const wrong = await login('operator3', 'not the password');
    const unknown = await login('nobody-here', 'not the password');
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json()).toEqual(unknown.json());
    expect(wrong.json().code).toBe('invalid_credentials');
    expect(wrong.json().message).toMatch(/username or password is not correct/);
  });

  it('names the missing or bad field on a schema violation, and answers malformed JSON with 400', async () => {
    const missing = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { origin: TEST_ORIGIN },
      payload: { password: 'x' },
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().code).toBe('invalid_request');
    expect(missing.json().issues).toContainEqual({ path: 'body.username', message: 'username is required.' });
    expect(missing.json().message).toContain('username');

    const bad = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { origin: TEST_ORIGIN },
      payload: { username: 'a b', password: 'x' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().issues[0].path).toBe('body.username');

    const broken = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { origin: TEST_ORIGIN, 'content-type': 'application/json' },
      payload: '{"username": "operator1", ',
    });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().code).toBe('invalid_json');
    expect(broken.body).not.toMatch(/at .*\.js|node_modules/);
  });

  it('throttles repeated failures per account with 429 and when to retry, even for the right password', async () => {
    for (let i = 0; i < 4; i++) expect((await login('manager', `wrong-${i}`)).statusCode).toBe(401);
    const fifth = await login('manager', 'wrong-5');
    expect(fifth.statusCode).toBe(429);
    expect(fifth.json().code).toBe('too_many_requests');
    expect(fifth.json().retryAfterSeconds).toBeGreaterThan(0);
    expect(Number(fifth.headers['retry-after'])).toBeGreaterThan(0);
    const right = await login('manager', TEST_PASSWORD);
    expect(right.statusCode).toBe(429);
    // Another account from another address is not affected.
    expect((await login('supervisor', TEST_PASSWORD)).statusCode).toBe(200);
  });

  it('throttles repeated failures per address across accounts', async () => {
    const fromOneAddress = (u: string, p: string) =>
      t.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        headers: { origin: TEST_ORIGIN },
        remoteAddress: '198.51.100.7',
        payload: { username: u, password: p },
      });
    const codes: number[] = [];
    for (let i = 0; i < 21; i++) codes.push((await fromOneAddress(`ghost${i}`, 'nope')).statusCode);
    expect(codes.slice(0, 19).every((c) => c === 401)).toBe(true);
    expect(codes.at(-1)).toBe(429);
    expect((await fromOneAddress('admin', TEST_PASSWORD)).statusCode).toBe(429);
  });

  it('writes successful and failed sign-ins to the audit log', async () => {
    const actions = await auditActions();
    expect(actions).toContain('auth.login');
    expect(actions).toContain('auth.login_failed');
    const { rows } = await t.db.pool.query<{ details: { reason: string } }>(
      "SELECT details FROM audit_log WHERE action = 'auth.login_failed'",
    );
    expect(rows.map((r) => r.details.reason)).toEqual(
      expect.arrayContaining(['wrong_password', 'unknown_user', 'throttled']),
    );
  });
});

describe('sessions', () => {
  it('answers /me with 401 without a session and with the user with one', async () => {
    expect((await t.app.inject({ url: '/api/auth/me' })).statusCode).toBe(401);
    const cookie = await signIn(t.app, 'operator3');
    const me = await t.app.inject({ url: '/api/auth/me', headers: { cookie } });
    expect(me.statusCode).toBe(200);
    expect(me.json().username).toBe('operator3');
  });

  it('ends the session on sign-out and audits it', async () => {
    const cookie = await signIn(t.app, 'operator3');
    const out = await t.app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: { cookie, origin: TEST_ORIGIN },
    });
    expect(out.statusCode).toBe(200);
    expect((await t.app.inject({ url: '/api/auth/me', headers: { cookie } })).statusCode).toBe(401);
    expect(await auditActions()).toContain('auth.logout');
  });

  it('lists one user’s own sessions and ends one of them', async () => {
    const a = await signIn(t.app, 'operator1');
    const before = (await t.app.inject({ url: '/api/auth/sessions', headers: { cookie: a } })).json() as {
      id: string;
    }[];
    const b = await signIn(t.app, 'operator1');
    const list = await t.app.inject({ url: '/api/auth/sessions', headers: { cookie: a } });
    expect(list.statusCode).toBe(200);
    const sessions = list.json() as { id: string; current: boolean }[];
    expect(sessions.filter((s) => s.current)).toHaveLength(1);
    const other = sessions.find((s) => !before.some((x) => x.id === s.id));
    expect(other?.current).toBe(false);
    const del = await t.app.inject({
      method: 'DELETE',
      url: `/api/auth/sessions/${other?.id}`,
      headers: { cookie: a, origin: TEST_ORIGIN },
    });
    expect(del.statusCode).toBe(200);
    const statuses = await Promise.all(
      [a, b].map(
        async (c) => (await t.app.inject({ url: '/api/auth/me', headers: { cookie: c } })).statusCode,
      ),
    );
    expect(statuses).toEqual([200, 401]);
  });

  it('remembers the console language per user', async () => {
    const cookie = await signIn(t.app, 'operator2');
    const res = await t.app.inject({
      method: 'PATCH',
      url: '/api/me',
      headers: { cookie, origin: TEST_ORIGIN },
      payload: { locale: 'en' },
    });
    expect(res.statusCode).toBe(200);
    const again = await signIn(t.app, 'operator2');
    expect((await t.app.inject({ url: '/api/auth/me', headers: { cookie: again } })).json().locale).toBe(
      'en',
    );
    const bad = await t.app.inject({
      method: 'PATCH',
      url: '/api/me',
      headers: { cookie, origin: TEST_ORIGIN },
      payload: { locale: 'de' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().issues[0].path).toBe('body.locale');
  });
});

describe('cross-origin protection', () => {
  it('refuses a cookie-authenticated change from another origin, or with no origin at all', async () => {
    const cookie = await signIn(t.app, 'operator1');
    const evil = await t.app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: { cookie, origin: 'https://evil.example' },
    });
    expect(evil.statusCode).toBe(403);
    expect(evil.json().code).toBe('cross_origin');
    expect(evil.json().message).toContain(TEST_ORIGIN);
    const none = await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie } });
    expect(none.statusCode).toBe(403);
    // The session survived both attempts.
    expect((await t.app.inject({ url: '/api/auth/me', headers: { cookie } })).statusCode).toBe(200);
    const sameSite = await t.app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: { cookie, 'sec-fetch-site': 'same-origin' },
    });
    expect(sameSite.statusCode).toBe(200);
  });

  it('refuses a cross-origin sign-in', async () => {
    const res = await login('operator1', TEST_PASSWORD, { origin: 'https://evil.example' });
    expect(res.statusCode).toBe(403);
  });
});

describe('secure cookies behind https', () => {
  it('marks the cookie Secure and uses a __Host- name when the public URL is https', async () => {
    const https = await createTestApp({ label: 'https', env: { PUBLIC_URL: 'https://korgon.example.kg' } });
    try {
      const res = await https.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        headers: { origin: 'https://korgon.example.kg' },
        payload: { username: 'admin', password: TEST_PASSWORD },
      });
      expect(res.statusCode).toBe(200);
      expect(res.cookies[0]?.secure).toBe(true);
      expect(res.cookies[0]?.name).toBe('__Host-korgon_session');
      // The browser becomes a known device once the second factor is done too.
      expect(res.json().next).toBe('totp');
      const verified = await https.app.inject({
        method: 'POST',
        url: '/api/auth/second-factor/verify',
        headers: {
          origin: 'https://korgon.example.kg',
          cookie: `__Host-korgon_session=${res.cookies[0]?.value}`,
        },
        payload: { code: await freshTotpCode(totpSecretOf('admin')) },
      });
      expect(verified.statusCode).toBe(200);
      const device = verified.cookies.find((c) => c.name === '__Host-korgon_device');
      expect(device?.secure).toBe(true);
      expect(device?.httpOnly).toBe(true);
      expect(res.headers['strict-transport-security']).toContain('max-age=');
    } finally {
      await https.close();
    }
  });
});

describe('a stranger cannot lock staff out', () => {
  const from = (remoteAddress: string, username: string, password: string, cookie?: string) =>
    t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: cookie ? { origin: TEST_ORIGIN, cookie } : { origin: TEST_ORIGIN },
      remoteAddress,
      payload: { username, password },
    });
  const deviceCookieOf = (res: Awaited<ReturnType<typeof from>>) => {
    const c = res.cookies.find((x) => x.name === 'korgon_device');
    return c ? `${c.name}=${c.value}` : '';
  };
  /** A sign-in completed with the second factor (where the role needs one): the answer that sets the device cookie. */
  const signedInFrom = async (remoteAddress: string, username: string) => {
    const first = await from(remoteAddress, username, TEST_PASSWORD);
    if (!first.json().next) return first;
    return t.app.inject({
      method: 'POST',
      url: '/api/auth/second-factor/verify',
      headers: { origin: TEST_ORIGIN, cookie: `korgon_session=${first.cookies[0]?.value}` },
      remoteAddress,
      payload: { code: await freshTotpCode(totpSecretOf(username)) },
    });
  };

  it('throttles the attacker’s address on the account, and says how long and why, but not the owner elsewhere', async () => {
    const attacker = '203.0.113.10';
    for (let i = 0; i < 4; i++)
      expect((await from(attacker, 'supervisor-night', `guess-${i}`)).statusCode).toBe(401);
    const fifth = await from(attacker, 'supervisor-night', 'guess-5');
    expect(fifth.statusCode).toBe(429);
    expect(fifth.json()).toMatchObject({ code: 'too_many_requests', throttle: 'account_address' });
    expect(fifth.json().retryAfterSeconds).toBe(15 * 60);
    expect(fifth.json().message).toMatch(/from this address.*paused for 15 minutes/);
    expect(fifth.json().message).toContain('A device you have signed in on before is not affected.');
    // The attacker stays throttled even when the guess is right.
    const right = await from(attacker, 'supervisor-night', TEST_PASSWORD);
    expect(right.statusCode).toBe(429);
    expect(right.json().throttle).toBe('account_address');

    // The owner, from her own address, is not.
    const owner = await from('192.0.2.20', 'supervisor-night', TEST_PASSWORD);
    expect(owner.statusCode).toBe(200);
    expect(owner.json().username).toBe('supervisor-night');

    const { rows } = await t.db.pool.query<{ details: Record<string, unknown> }>(
      `SELECT a.details FROM audit_log a JOIN users u ON u.id::text = a.target_id
        WHERE a.action = 'auth.login_failed' AND u.username = 'supervisor-night' ORDER BY a.id`,
    );
    expect(rows.map((r) => r.details)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ reason: 'wrong_password', lockedOut: 'account_address', lockSeconds: 900 }),
        expect.objectContaining({ reason: 'throttled', throttle: 'account_address' }),
      ]),
    );
  });

  it('lets the owner in on a known device while failures from many addresses slow new devices down', async () => {
    const user = 'partner-probation-bishkek';
    // Her browser: signed in once before; the device cookie is signed, HttpOnly and long-lived.
    const first = await signedInFrom('192.0.2.30', user);
    expect(first.statusCode).toBe(200);
    const device = first.cookies.find((c) => c.name === 'korgon_device');
    expect(device?.httpOnly).toBe(true);
    expect(device?.sameSite).toBe('Strict');
    expect(device?.maxAge).toBeGreaterThan(180 * 24 * 3600);
    const knownDevice = deviceCookieOf(first);

    // A spread attack: 4 guesses from each of three addresses (none reaches the per-address limit).
    const codes: number[] = [];
    for (const address of ['203.0.113.31', '203.0.113.32', '203.0.113.33'])
      for (let i = 0; i < 4; i++) codes.push((await from(address, user, `guess-${i}`)).statusCode);
    expect(codes.slice(0, 9).every((c) => c === 401)).toBe(true);
    expect(codes[9]).toBe(429);

    // A new device, even with the right password, waits a short while, and is told so.
    const stranger = await from('198.51.100.40', user, TEST_PASSWORD);
    expect(stranger.statusCode).toBe(429);
    expect(stranger.json().throttle).toBe('account');
    expect(stranger.json().retryAfterSeconds).toBeLessThanOrEqual(5 * 60);
    expect(stranger.json().message).toMatch(/from several places.*slowed down for \d minutes?/);

    // Her known device is let in, from anywhere, the attacker's address included.
    const owner = await from('203.0.113.31', user, TEST_PASSWORD, knownDevice);
    expect(owner.statusCode).toBe(200);
    expect(owner.json().username).toBe(user);

    // A forged or other account's device cookie does not help.
    const forged = await from('198.51.100.41', user, TEST_PASSWORD, `${knownDevice.slice(0, -3)}abc`);
    expect(forged.statusCode).toBe(429);
    const otherDevice = deviceCookieOf(await from('192.0.2.50', 'operator1', TEST_PASSWORD));
    expect((await from('198.51.100.42', user, TEST_PASSWORD, otherDevice)).statusCode).toBe(429);
  });

  it('forgets the account’s counters when an administrator resets its password', async () => {
    const user = 'partner-child-bishkek';
    for (let i = 0; i < 5; i++) await from('203.0.113.70', user, `guess-${i}`);
    expect((await from('203.0.113.70', user, TEST_PASSWORD)).statusCode).toBe(429);
    const admin = await signIn(t.app, 'admin');
    const { rows } = await t.db.pool.query<{ id: string }>('SELECT id FROM users WHERE username = $1', [
      user,
    ]);
    const reset = await t.app.inject({
      method: 'POST',
      url: `/api/admin/users/${rows[0]?.id}/password-reset`,
      headers: { cookie: admin, origin: TEST_ORIGIN },
    });
    expect(reset.statusCode).toBe(200);
    expect((await from('203.0.113.70', user, reset.json().oneTimePassword)).statusCode).toBe(200);
  });

  it('counts wrong passwords on a known device for that device, which then waits', async () => {
    const user = 'partner-legal-aid-bishkek';
    const knownDevice = deviceCookieOf(await signedInFrom('192.0.2.60', user));
    for (let i = 0; i < 4; i++)
      expect((await from('192.0.2.60', user, `typo-${i}`, knownDevice)).statusCode).toBe(401);
    const fifth = await from('192.0.2.60', user, 'typo-5', knownDevice);
    expect(fifth.statusCode).toBe(429);
    expect(fifth.json().throttle).toBe('device');
    expect((await from('192.0.2.60', user, TEST_PASSWORD, knownDevice)).statusCode).toBe(429);
  });
});
