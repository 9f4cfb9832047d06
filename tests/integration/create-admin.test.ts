import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { findRepoRoot } from '@korgon/config';
import { createDb } from '@korgon/db';
import { freshDatabase, freshTotpCode, TEST_ORIGIN, testEnv } from '@korgon/dev/testing';
import { buildApp, serverConfig } from '@korgon/server';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = findRepoRoot();

describe('pnpm admin:create', () => {
  it('prints a one-time password; at the first sign-in the admin sets up the second factor, then changes the password; a second admin is refused', async () => {
    const databaseUrl = await freshDatabase('create-admin');
    const cli = (username: string) =>
      run(
        process.execPath,
        [
          '--import',
          'tsx',
          resolve(root, 'tooling/dev/src/create-admin-cli.ts'),
          username,
          '--display-name',
          'Азамат Бейшеналиев',
        ],
        { cwd: root, env: { ...process.env, DATABASE_URL: databaseUrl } },
      );
    const { stdout } = await cli('root-admin');
    const password = /One-time password[^\n]*\n\n {2}(\S+)\n/.exec(stdout)?.[1];
    expect(password, stdout).toMatch(/^[A-Za-z0-9_-]{20}$/);

    const db = createDb(databaseUrl, { max: 2 });
    const app = await buildApp({ config: serverConfig(testEnv(databaseUrl)), logger: false, poolSize: 2 });
    try {
      await app.ready();
      const { rows } = await db.pool.query(
        "SELECT display_name, must_change_password, password_hash <> $1 AS hashed FROM users WHERE username = 'root-admin'",
        [password],
      );
      expect(rows).toEqual([
        { display_name: 'Азамат Бейшеналиев', must_change_password: true, hashed: true },
      ]);
      const login = await app.inject({
        method: 'POST',
        url: '/api/auth/login',
        headers: { origin: TEST_ORIGIN },
        payload: { username: 'root-admin', password },
      });
      expect(login.statusCode).toBe(200);
      expect(login.json().mustChangePassword).toBe(true);
      // An administrator always has a second factor: set up first, before anything else (the password too).
      expect(login.json().next).toBe('enrol');
      const cookie = `${login.cookies[0]?.name}=${login.cookies[0]?.value}`;
      const post = (url: string, payload: object) =>
        app.inject({ method: 'POST', url, headers: { cookie, origin: TEST_ORIGIN }, payload });
      expect(
        (await post('/api/me/password', { currentPassword: password, newPassword: 'a'.repeat(14) }))
          .statusCode,
      ).toBe(401);
      const start = await post('/api/auth/second-factor/enrol', {});
      expect(start.statusCode).toBe(200);
      const confirmed = await post('/api/auth/second-factor/enrol/confirm', {
        code: await freshTotpCode(start.json().secret),
      });
      expect(confirmed.statusCode).toBe(200);
      expect(confirmed.json().recoveryCodes).toHaveLength(10);
      expect(confirmed.json().me.mustChangePassword).toBe(true);
      // Then the password: until it is changed, everything else answers 403.
      const users = await app.inject({ url: '/api/admin/users', headers: { cookie } });
      expect(users.statusCode).toBe(403);
      expect(users.json().code).toBe('password_change_required');
      const changed = await post('/api/me/password', {
        currentPassword: password,
        newPassword: 'a new password of her own',
      });
      expect(changed.statusCode).toBe(200);
      expect((await app.inject({ url: '/api/admin/users', headers: { cookie } })).statusCode).toBe(200);

      await expect(cli('second-admin')).rejects.toMatchObject({
        code: 1,
        stderr: expect.stringContaining('An active administrator exists already (root-admin)'),
      });
    } finally {
      await app.close();
      await db.close();
    }
  });
});
