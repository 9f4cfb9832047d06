import {
  connectConsole,
  createTestApp,
  freshTotpCode,
  signIn,
  TEST_PASSWORD,
  type TestApp,
  totpCodeNow,
  totpSecretOf,
} from '@korgon/dev/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The second factor (docs/security.md "Second factor") end to end through the real routes: enrolment at the
 * first sign-in, a pending session that opens nothing else, wrong and replayed codes, recovery codes, the
 * admin's reset and the operators' policy.
 */
let t: TestApp;
let admin: string;
beforeAll(async () => {
  t = await createTestApp({ label: 'second-factor', listen: true });
  admin = await signIn(t.app, 'admin');
});
afterAll(async () => t?.close());

let addresses = 0;
/** Each sign-in from an address of its own (the throttle counts per address), unless one is given. */
const nextAddress = () => `198.18.${(++addresses >> 8) & 255}.${addresses & 255}`;

async function login(username: string, password = TEST_PASSWORD, remoteAddress = nextAddress()) {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/auth/login',
    remoteAddress,
    headers: { origin: t.baseUrl },
    payload: { username, password },
  });
  const c = res.cookies.find((x) => x.name === 'korgon_session');
  return { res, cookie: c ? `${c.name}=${c.value}` : '', remoteAddress };
}

const post = (cookie: string, url: string, payload: object = {}, remoteAddress = '127.0.0.1') =>
  t.app.inject({ method: 'POST', url, remoteAddress, headers: { cookie, origin: t.baseUrl }, payload });
const get = (cookie: string, url: string) => t.app.inject({ url, headers: { cookie } });

async function userId(username: string): Promise<string> {
  const { rows } = await t.db.pool.query<{ id: string }>('SELECT id FROM users WHERE username = $1', [
    username,
  ]);
  return rows[0]?.id ?? '';
}

async function audits(action: string, targetId?: string) {
  const { rows } = await t.db.pool.query<{
    actor_id: string | null;
    target_id: string;
    details: Record<string, unknown>;
  }>(
    `SELECT actor_id, target_id, details FROM audit_log WHERE action = $1 AND ($2::text IS NULL OR target_id = $2) ORDER BY id`,
    [action, targetId ?? null],
  );
  return rows;
}

/** A new user made by the admin, who then signs in: enrolment first, through the routes. */
async function createUser(username: string, role: string) {
  const created = await post(admin, '/api/admin/users', {
    username,
    displayName: `Test ${username}`,
    role,
    locale: 'en',
    password: 'a password of twelve+',
  });
  expect(created.statusCode, created.body).toBe(201);
  return { password: 'a password of twelve+', id: created.json().id as string };
}

/** Enrols a user whose sign-in is pending 'enrol': the secret and the recovery codes. */
async function enrol(cookie: string) {
  const start = await post(cookie, '/api/auth/second-factor/enrol');
  expect(start.statusCode, start.body).toBe(200);
  const secret = start.json().secret as string;
  const done = await post(cookie, '/api/auth/second-factor/enrol/confirm', {
    code: await freshTotpCode(secret),
  });
  expect(done.statusCode, done.body).toBe(200);
  return { secret, recoveryCodes: done.json().recoveryCodes as string[], start: start.json() };
}

describe('enrolment', () => {
  it('is required at the first sign-in of a new supervisor: QR code, first code, ten recovery codes shown once', async () => {
    const { password, id } = await createUser('sup-new', 'supervisor');
    const { res, cookie } = await login('sup-new', password);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ username: 'sup-new', next: 'enrol', permissions: [] });
    expect((await get(cookie, '/api/auth/me')).json()).toMatchObject({ next: 'enrol', permissions: [] });
    expect((await get(cookie, '/api/queue')).statusCode).toBe(401);

    const start = await post(cookie, '/api/auth/second-factor/enrol');
    expect(start.statusCode).toBe(200);
    expect(start.headers['cache-control']).toBe('no-store');
    const { secret, otpauthUri, qrCode } = start.json();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(otpauthUri).toMatch(/^otpauth:\/\/totp\/.*sup-new\?.*secret=/);
    expect(qrCode).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(Buffer.from(qrCode.split(',')[1], 'base64').toString()).toContain('<svg');
    // Sealed, never in clear; not enrolled until a code from it is confirmed.
    const { rows } = await t.db.pool.query<{ sealed: Buffer; enrolled: Date | null }>(
      'SELECT totp_secret_sealed AS sealed, totp_enrolled_at AS enrolled FROM users WHERE id = $1',
      [id],
    );
    expect(rows[0]?.sealed.includes(Buffer.from(secret))).toBe(false);
    expect(rows[0]?.enrolled).toBeNull();

    const wrong = await post(cookie, '/api/auth/second-factor/enrol/confirm', {
      code: totpCodeNow(secret, 5),
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().code).toBe('wrong_code');
    const done = await post(cookie, '/api/auth/second-factor/enrol/confirm', {
      code: await freshTotpCode(secret),
    });
    expect(done.statusCode).toBe(200);
    const codes = done.json().recoveryCodes as string[];
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const c of codes) expect(c).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
    expect(done.json().me.next).toBeUndefined();
    expect(done.json().me.permissions).toContain('board:use');
    // The same cookie is now a full session.
    expect((await get(cookie, '/api/auth/me')).json().next).toBeUndefined();
    expect((await get(cookie, '/api/queue')).statusCode).toBe(200);
    const hashes = await t.db.pool.query<{ code_hash: string }>(
      'SELECT code_hash FROM user_recovery_codes WHERE user_id = $1',
      [id],
    );
    expect(hashes.rows).toHaveLength(10);
    for (const h of hashes.rows) {
      expect(h.code_hash).toMatch(/^\$argon2id\$/);
      expect(codes.some((c) => h.code_hash.includes(c))).toBe(false);
    }
    expect(await audits('auth.second_factor_enrolled', id)).toEqual([
      expect.objectContaining({ actor_id: id, details: expect.objectContaining({ atSignIn: true }) }),
    ]);
    // Once enrolled, starting again is refused (an administrator resets it).
    expect((await post(cookie, '/api/auth/second-factor/enrol')).statusCode).toBe(409);
    // The next sign-in asks for the code.
    expect((await login('sup-new', password)).res.json().next).toBe('totp');
  });
});

describe('a pending session', () => {
  it('opens only the second factor, who-am-I and sign-out: every other route answers 401', async () => {
    const { res, cookie } = await login('supervisor');
    expect(res.json().next).toBe('totp');
    const spec = t.app.swagger() as unknown as {
      paths: Record<string, Record<string, { 'x-korgon-permission'?: string }>>;
    };
    const open = new Set([
      'GET /api/auth/me',
      'POST /api/auth/logout',
      'POST /api/auth/second-factor/verify',
      'POST /api/auth/second-factor/enrol',
      'POST /api/auth/second-factor/enrol/confirm',
    ]);
    let checked = 0;
    for (const [path, ops] of Object.entries(spec.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const access = op['x-korgon-permission'];
        if (!access || access === 'public' || access === 'signed') continue;
        const key = `${method.toUpperCase()} ${path}`;
        if (open.has(key)) continue;
        const url = path.replace(/\{[^}]+\}/g, crypto.randomUUID());
        const r = await t.app.inject({
          method: method.toUpperCase() as 'GET',
          url,
          headers: { cookie, origin: t.baseUrl },
          ...(method === 'get' || method === 'delete' ? {} : { payload: {} }),
        });
        expect(r.statusCode, key).toBe(401);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(50);
    // The same session after its code: a full one.
    const ok = await post(cookie, '/api/auth/second-factor/verify', {
      code: await freshTotpCode(totpSecretOf('supervisor')),
    });
    expect(ok.statusCode).toBe(200);
    expect((await get(cookie, '/api/queue')).statusCode).toBe(200);
  });

  it('is refused by the live socket, which a full session may open', async () => {
    const { cookie } = await login('supervisor-night');
    await expect(connectConsole(t.baseUrl, cookie)).rejects.toThrow(/unauthenticated/);
    const verified = await post(cookie, '/api/auth/second-factor/verify', {
      code: await freshTotpCode(totpSecretOf('supervisor-night')),
    });
    expect(verified.statusCode).toBe(200);
    const socket = await connectConsole(t.baseUrl, cookie);
    expect(socket.connected).toBe(true);
    socket.close();
  });

  it('signs out, and a full session cannot be taken for a pending one', async () => {
    const { cookie } = await login('manager');
    expect((await post(cookie, '/api/auth/logout')).statusCode).toBe(200);
    expect((await get(cookie, '/api/auth/me')).statusCode).toBe(401);
    const full = await signIn(t.app, 'manager');
    const again = await post(full, '/api/auth/second-factor/verify', { code: '123456' });
    expect(again.statusCode).toBe(409);
  });
});

describe('codes', () => {
  it('refuses a wrong code and counts it in the sign-in throttle: the fifth locks, even the right code then waits', async () => {
    const address = nextAddress();
    const { cookie, res } = await login('partner-police-bishkek', TEST_PASSWORD, address);
    expect(res.json().next).toBe('totp');
    const secret = totpSecretOf('partner-police-bishkek');
    const wrong = String((Number(totpCodeNow(secret)) + 1) % 1_000_000).padStart(6, '0');
    for (let i = 0; i < 4; i++) {
      const r = await post(cookie, '/api/auth/second-factor/verify', { code: wrong }, address);
      expect(r.statusCode).toBe(400);
      expect(r.json().code).toBe('wrong_code');
    }
    const fifth = await post(cookie, '/api/auth/second-factor/verify', { code: wrong }, address);
    expect(fifth.statusCode).toBe(429);
    expect(fifth.json().throttle).toBe('account_address');
    const right = await post(
      cookie,
      '/api/auth/second-factor/verify',
      { code: await freshTotpCode(secret) },
      address,
    );
    expect(right.statusCode).toBe(429);
    const failed = await audits('auth.login_failed', await userId('partner-police-bishkek'));
    expect(failed.filter((a) => a.details.reason === 'wrong_code')).toHaveLength(5);
  });

  it('accepts each 30-second step once: a replayed code is refused, the next step is taken', async () => {
    const secret = totpSecretOf('partner-crisis-bishkek');
    const code = await freshTotpCode(secret);
    const first = await login('partner-crisis-bishkek');
    expect((await post(first.cookie, '/api/auth/second-factor/verify', { code })).statusCode).toBe(200);
    const second = await login('partner-crisis-bishkek');
    const replay = await post(second.cookie, '/api/auth/second-factor/verify', { code });
    expect(replay.statusCode).toBe(400);
    expect(replay.json().code).toBe('wrong_code');
    const next = await post(second.cookie, '/api/auth/second-factor/verify', {
      code: await freshTotpCode(secret),
    });
    expect(next.statusCode).toBe(200);
    // A code two steps away is outside the ±1 drift.
    const third = await login('partner-crisis-bishkek');
    expect(
      (await post(third.cookie, '/api/auth/second-factor/verify', { code: totpCodeNow(secret, 3) }))
        .statusCode,
    ).toBe(400);
  });

  it('takes a recovery code once (audited), and new codes for a current code replace the old ones', async () => {
    const { password, id } = await createUser('manager-two', 'manager');
    const first = await login('manager-two', password);
    const { secret, recoveryCodes } = await enrol(first.cookie);
    const [one, two] = recoveryCodes as [string, string];

    const a = await login('manager-two', password);
    const used = await post(a.cookie, '/api/auth/second-factor/verify', { code: ` ${one.toUpperCase()} ` });
    expect(used.statusCode, used.body).toBe(200);
    expect(await audits('auth.recovery_code_used', id)).toEqual([
      expect.objectContaining({ actor_id: id, details: { left: 9 } }),
    ]);
    const b = await login('manager-two', password);
    expect((await post(b.cookie, '/api/auth/second-factor/verify', { code: one })).statusCode).toBe(400);
    expect((await get(a.cookie, '/api/me/second-factor')).json()).toMatchObject({
      enrolled: true,
      recoveryCodesLeft: 9,
      required: true,
    });

    // New codes need a current code; a wrong one is refused.
    expect(
      (await post(a.cookie, '/api/me/second-factor/recovery-codes', { code: totpCodeNow(secret, 4) }))
        .statusCode,
    ).toBe(400);
    const fresh = await post(a.cookie, '/api/me/second-factor/recovery-codes', {
      code: await freshTotpCode(secret),
    });
    expect(fresh.statusCode).toBe(200);
    expect(fresh.json().recoveryCodes).toHaveLength(10);
    expect((await audits('auth.recovery_codes_regenerated', id)).length).toBe(1);
    expect((await post(b.cookie, '/api/auth/second-factor/verify', { code: two })).statusCode).toBe(400);
    const c = await post(b.cookie, '/api/auth/second-factor/verify', { code: fresh.json().recoveryCodes[0] });
    expect(c.statusCode).toBe(200);
  });
});

describe('the administrator', () => {
  it('resets a user’s second factor: secret and codes gone, sessions ended, audited with who and whom', async () => {
    const { password, id } = await createUser('sup-lost-phone', 'supervisor');
    const first = await login('sup-lost-phone', password);
    await enrol(first.cookie);
    expect((await get(first.cookie, '/api/queue')).statusCode).toBe(200);
    const users = (await get(admin, '/api/admin/users')).json() as {
      id: string;
      secondFactorEnrolled: boolean;
    }[];
    expect(users.find((u) => u.id === id)?.secondFactorEnrolled).toBe(true);

    const reset = await post(admin, `/api/admin/users/${id}/second-factor/reset`);
    expect(reset.statusCode, reset.body).toBe(200);
    expect(reset.json()).toEqual({ ok: true, sessionsEnded: 1 });
    expect((await get(first.cookie, '/api/auth/me')).statusCode).toBe(401);
    const { rows } = await t.db.pool.query(
      `SELECT totp_secret_sealed, totp_enrolled_at, (SELECT count(*)::int FROM user_recovery_codes WHERE user_id = $1) AS codes
         FROM users WHERE id = $1`,
      [id],
    );
    expect(rows[0]).toEqual({ totp_secret_sealed: null, totp_enrolled_at: null, codes: 0 });
    expect(await audits('auth.second_factor_reset', id)).toEqual([
      expect.objectContaining({
        actor_id: await userId('admin'),
        target_id: id,
        details: { wasEnrolled: true, sessionsEnded: 1 },
      }),
    ]);
    // The next sign-in sets up a new one.
    expect((await login('sup-lost-phone', password)).res.json().next).toBe('enrol');
    // Not one's own (another administrator does it).
    expect(
      (await post(admin, `/api/admin/users/${await userId('admin')}/second-factor/reset`)).statusCode,
    ).toBe(403);
  });

  it('sets the operators’ policy (audited): required makes operators enrol, optional lets them sign in with the password', async () => {
    expect((await get(admin, '/api/admin/settings/second-factor')).json()).toEqual({
      operators: 'optional',
      updatedAt: null,
    });
    const plain = await login('operator3');
    expect(plain.res.json().next).toBeUndefined();
    expect((await get(plain.cookie, '/api/queue')).statusCode).toBe(200);

    const put = (operators: string) =>
      t.app.inject({
        method: 'PUT',
        url: '/api/admin/settings/second-factor',
        headers: { cookie: admin, origin: t.baseUrl },
        payload: { operators },
      });
    expect((await put('sometimes')).statusCode).toBe(400);
    const required = await put('required');
    expect(required.statusCode).toBe(200);
    expect(required.json().operators).toBe('required');
    expect((await audits('settings.second_factor_policy_changed')).at(-1)).toMatchObject({
      actor_id: await userId('admin'),
      details: { from: 'optional', to: 'required' },
    });

    const asked = await login('operator3');
    expect(asked.res.json().next).toBe('enrol');
    expect((await get(asked.cookie, '/api/queue')).statusCode).toBe(401);
    await enrol(asked.cookie);
    expect((await get(asked.cookie, '/api/queue')).statusCode).toBe(200);

    expect((await put('optional')).statusCode).toBe(200);
    // An operator who has one keeps it; the others sign in with the password again.
    expect((await login('operator3')).res.json().next).toBe('totp');
    expect((await login('operator2')).res.json().next).toBeUndefined();
  });

  it('gives a one-time password: the second factor comes first, then the password must change', async () => {
    const id = await userId('partner-shelter-bishkek');
    const reset = await post(admin, `/api/admin/users/${id}/password-reset`);
    const oneTime = reset.json().oneTimePassword as string;
    const { res, cookie } = await login('partner-shelter-bishkek', oneTime);
    expect(res.json()).toMatchObject({ next: 'totp', mustChangePassword: true });
    expect(
      (await post(cookie, '/api/me/password', { currentPassword: oneTime, newPassword: 'x'.repeat(16) }))
        .statusCode,
    ).toBe(401);
    const ok = await post(cookie, '/api/auth/second-factor/verify', {
      code: await freshTotpCode(totpSecretOf('partner-shelter-bishkek')),
    });
    expect(ok.json().mustChangePassword).toBe(true);
    expect((await get(cookie, '/api/partner/referrals')).json().code).toBe('password_change_required');
    const changed = await post(cookie, '/api/me/password', {
      currentPassword: oneTime,
      newPassword: 'x'.repeat(16),
    });
    expect(changed.statusCode).toBe(200);
  });
});
