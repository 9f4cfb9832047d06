import { createTestApp, signIn, TEST_ORIGIN, TEST_PASSWORD, type TestApp } from '@korgon/dev/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ label: 'me' });
});
afterAll(async () => t?.close());

describe('changing one’s own password', () => {
  it('needs the current password, ends the other sessions, and is audited', async () => {
    const here = await signIn(t.app, 'operator1');
    const elsewhere = await signIn(t.app, 'operator1');
    const change = (payload: object) =>
      t.app.inject({
        method: 'POST',
        url: '/api/me/password',
        headers: { cookie: here, origin: TEST_ORIGIN },
        payload,
      });

    const wrong = await change({ currentPassword: 'not it', newPassword: 'a brand new passphrase' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json()).toMatchObject({
      code: 'wrong_password',
      issues: [{ path: 'body.currentPassword', message: 'The current password is not correct.' }],
    });
    const weak = await change({ currentPassword: TEST_PASSWORD, newPassword: 'short' });
    expect(weak.statusCode).toBe(400);
    expect(weak.json().issues[0].path).toBe('body.newPassword');

    const ok = await change({ currentPassword: TEST_PASSWORD, newPassword: 'a brand new passphrase' });
    expect(ok.statusCode).toBe(200);
    expect((await t.app.inject({ url: '/api/auth/me', headers: { cookie: here } })).statusCode).toBe(200);
    expect((await t.app.inject({ url: '/api/auth/me', headers: { cookie: elsewhere } })).statusCode).toBe(
      401,
    );
    await expect(signIn(t.app, 'operator1')).rejects.toThrow(/401/);
    await expect(signIn(t.app, 'operator1', 'a brand new passphrase')).resolves.toMatch(/korgon_session=/);
    const { rows } = await t.db.pool.query(
      "SELECT details FROM audit_log WHERE action = 'auth.password_changed'",
    );
    expect(rows).toEqual([{ details: { sessionsEnded: 1 } }]);
  });
});

describe('guessing the current password', () => {
  it('is throttled like a sign-in', async () => {
    const cookie = await signIn(t.app, 'operator3');
    const codes: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/me/password',
        headers: { cookie, origin: TEST_ORIGIN },
        payload: { currentPassword: `guess-${i}`, newPassword: 'a brand new passphrase' },
      });
      codes.push(res.statusCode);
    }
    expect(codes).toEqual([400, 400, 400, 400, 429, 429]);
  });
});
