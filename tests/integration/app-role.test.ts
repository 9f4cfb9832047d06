import { createDb, type DbHandle, migrate, verifyAuditChain, writeAudit } from '@korgon/db';
import { freePort } from '@korgon/dev/postgres';
import {
  appRoleUrl,
  freshDatabase,
  PROCESS_SECRETS,
  startProcess,
  TEST_ORIGIN,
  TEST_PASSWORD,
  waitForUrl,
} from '@korgon/dev/testing';
import { seedDemo } from '@korgon/server';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The application's database role (docs/deploy.md "Least privilege"): it owns nothing, may only append to and
 * read the audit log, and so cannot cut, rewrite or un-trigger the chain; every other table it uses as before.
 */
let ownerUrl: string;
let appUrl: string;
let owner: DbHandle;
let app: pg.Pool;
beforeAll(async () => {
  ownerUrl = await freshDatabase('approle');
  const url = appRoleUrl(ownerUrl);
  if (!url) throw new Error('this run has no application role (see global-setup.ts)');
  appUrl = url;
  owner = createDb(ownerUrl, { max: 2 });
  app = new pg.Pool({ connectionString: appUrl, max: 2 });
  for (let i = 0; i < 3; i++) await writeAudit(owner.db, { action: 'auth.login', details: { i } });
});
afterAll(async () => {
  await app?.end();
  await owner?.close();
});

describe('the application’s database role', () => {
  it('appends to and reads the audit log, through its insert trigger', async () => {
    expect((await app.query<{ u: string }>('SELECT current_user AS u')).rows[0]?.u).toBe('korgon_app');
    await writeAudit(app, { action: 'auth.logout', targetType: 'session', targetId: 's1' });
    const { rows } = await app.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log');
    expect(rows[0]?.n).toBe(4);
    expect(await verifyAuditChain(app)).toMatchObject({ ok: true, rows: 4 });
  });

  it('cannot UPDATE, DELETE or TRUNCATE audit rows, nor disable the triggers, nor set the id sequence', async () => {
    const refused = [
      "UPDATE audit_log SET action = 'x' WHERE id = 1",
      'DELETE FROM audit_log WHERE id > 2',
      'TRUNCATE audit_log',
      'ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change',
      'ALTER TABLE audit_log DISABLE TRIGGER ALL',
      'DROP TRIGGER audit_log_no_truncate ON audit_log',
      "SELECT setval('audit_log_id_seq', 1)",
      // The way a superuser skips every trigger.
      "SET session_replication_role = 'replica'",
      'CREATE TABLE audit_log_copy (id bigint)',
    ];
    for (const sql of refused)
      await expect(app.query(sql), sql).rejects.toThrow(/permission denied|must be owner/);
    // Nothing changed: 4 entries, still chained.
    expect(await verifyAuditChain(owner.pool)).toMatchObject({ ok: true, rows: 4 });
  });

  it('reads and writes every other table, including those trigger functions write (calls_day, operator_state_log, statistics_facts)', async () => {
    const { rows } = await owner.pool.query<{ t: string; s: boolean; i: boolean; u: boolean; d: boolean }>(
      `SELECT c.relname AS t,
              has_table_privilege('korgon_app', c.oid, 'SELECT') AS s, has_table_privilege('korgon_app', c.oid, 'INSERT') AS i,
              has_table_privilege('korgon_app', c.oid, 'UPDATE') AS u, has_table_privilege('korgon_app', c.oid, 'DELETE') AS d
         FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')`,
    );
    expect(rows.length).toBeGreaterThan(20);
    for (const r of rows) {
      if (r.t === 'audit_log') expect(r, r.t).toEqual({ t: r.t, s: true, i: true, u: false, d: false });
      else expect(r, r.t).toEqual({ t: r.t, s: true, i: true, u: true, d: true });
    }
    // The triggers run as the role that fired them: a call of a settled day touches call_day_versions, and an
    // operator's state change writes operator_state_log.
    await seedDemo(owner.db, TEST_PASSWORD);
    await app.query(
      `INSERT INTO calls (external_id, line, state, offered_at) VALUES ('approle-1', '5200', 'ended', now() - interval '3 days')`,
    );
    expect((await app.query('SELECT 1 FROM call_day_versions')).rowCount).toBeGreaterThan(0);
    await app.query(
      `INSERT INTO operator_states (user_id, status, since)
       SELECT id, 'available', now() FROM users WHERE username = 'operator1'
       ON CONFLICT (user_id) DO UPDATE SET status = 'break', since = now()`,
    );
    expect((await app.query('SELECT 1 FROM operator_state_log')).rowCount).toBeGreaterThan(0);
  });

  it('is granted the tables of later migrations (default privileges of the owner)', async () => {
    await owner.pool.query('CREATE TABLE later_feature (id bigserial PRIMARY KEY, note text)');
    await app.query(`INSERT INTO later_feature (note) VALUES ('a')`);
    await app.query(`UPDATE later_feature SET note = 'b'`);
    expect((await app.query('DELETE FROM later_feature')).rowCount).toBe(1);
  });

  it('is refused by the migrator when it does not exist, and cannot run the migrations itself', async () => {
    await expect(migrate(ownerUrl, { appRole: 'korgon_no_such_role' })).rejects.toThrow(
      /role "korgon_no_such_role" \(the user of DATABASE_URL\) does not exist/,
    );
    // korgon_app migrating as itself: it owns nothing, so it may not.
    await expect(migrate(appUrl)).rejects.toMatchObject({
      cause: { message: expect.stringMatching(/permission denied/) },
    });
  });
});

describe('the server and worker processes', () => {
  it('connect as the application’s role; the server migrates as the owner, and audits as the application', async () => {
    const databaseUrl = await freshDatabase('approleproc');
    const h = createDb(databaseUrl, { max: 2 });
    await seedDemo(h.db, TEST_PASSWORD);
    const port = await freePort();
    const env = {
      ...PROCESS_SECRETS,
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      PUBLIC_URL: TEST_ORIGIN,
    };
    const server = startProcess('server', { ...env, PORT: String(port), HOST: '127.0.0.1' });
    const worker = startProcess('worker', env);
    try {
      await waitForUrl(`http://127.0.0.1:${port}/healthz`);
      const res = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: TEST_ORIGIN },
        body: JSON.stringify({ username: 'operator1', password: TEST_PASSWORD }),
      });
      expect(res.status, server.output()).toBe(200);
      const users = async (app: string) =>
        (
          await h.pool.query<{ u: string }>(
            `SELECT DISTINCT usename AS u FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1`,
            [app],
          )
        ).rows.map((r) => r.u);
      await expect.poll(() => users('korgon-worker'), { timeout: 20_000 }).toEqual(['korgon_app']);
      expect(await users('korgon-server')).toEqual(['korgon_app']);
      const login = await h.pool.query(`SELECT 1 FROM audit_log WHERE action = 'auth.login'`);
      expect(login.rowCount).toBeGreaterThan(0);
      expect(await verifyAuditChain(h.pool)).toMatchObject({ ok: true });
    } finally {
      await server.stop();
      await worker.stop();
      await h.close();
    }
  }, 90_000);

  it('a server connected as the application’s role alone does not migrate, and refuses to start while a migration is missing', async () => {
    const databaseUrl = await freshDatabase('approlepending');
    const asApp = appRoleUrl(databaseUrl) as string;
    const h = createDb(databaseUrl, { max: 1 });
    try {
      await h.pool.query(
        'DELETE FROM drizzle.__drizzle_migrations WHERE id = (SELECT max(id) FROM drizzle.__drizzle_migrations)',
      );
      const port = await freePort();
      const s = startProcess('server', {
        ...PROCESS_SECRETS,
        NODE_ENV: 'production',
        DATABASE_URL: asApp,
        PORT: String(port),
        PUBLIC_URL: TEST_ORIGIN,
      });
      expect(await s.exit, s.output()).toBe(78);
      expect(s.output()).toMatch(
        /1 database migration\(s\) are not applied.*run them as the owner \(DATABASE_MIGRATION_URL/,
      );
    } finally {
      await h.close();
    }
  }, 60_000);
});
