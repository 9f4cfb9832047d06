import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createDb, type DbHandle, writeAudit, writeAuditAnchor } from '@korgon/db';
import { findPgTool } from '@korgon/dev/backup';
import { appRoleUrl, freshDatabase, TEST_PASSWORD } from '@korgon/dev/testing';
import { seedDemo, seedDemoHistory } from '@korgon/server';
import { sealKeyFrom } from '@korgon/signing';
import { createWorkerMetrics, serveWorkerMetrics } from '@korgon/worker';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

/**
 * `pnpm db:backup` and `pnpm db:restore`, run as an operator runs them (child processes, the production
 * environment), against real databases of this run's PostgreSQL (docs/operations.md "Backups and restore").
 */

const run = promisify(execFile);
const anchorKey = randomBytes(32).toString('base64');

/** pg_dump and pg_restore must fit the server; without them (an embedded PostgreSQL newer than any client on
 * the machine) the backup cannot run at all, and these tests say so instead of failing on it. */
const server = new pg.Client({ connectionString: inject('pgAdminUrl') });
await server.connect();
const major = Math.floor(
  Number(
    (await server.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`)).rows[0]?.v,
  ) / 10000,
);
await server.end();
const missing = await findPgTool('pg_dump', major).then(
  () => findPgTool('pg_restore', major).then(() => null),
  (err: Error) => err.message,
);

const open: DbHandle[] = [];
const temps: string[] = [];
afterAll(async () => {
  await Promise.all(open.splice(0).map((h) => h.close()));
  await Promise.all(temps.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** A temporary directory, removed at the end (backups of test databases included). */
async function tempDir(prefix: string): Promise<string> {
  const d = await mkdtemp(prefix);
  temps.push(d);
  return d;
}

/** A database of this run (dropped with the others at its end) that does not exist yet. */
let restoredCount = 0;
function newDatabaseName(label: string): string {
  return `korgon_t_${inject('pgRunId')}_${label}_${process.pid}_${restoredCount++}`;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** The environment of the CLIs: the owner migrates and restores, the application's role is DATABASE_URL. */
function cliEnv(ownerUrl: string, anchorDir: string, backupDir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    // Production: the keys given here, never ones a local start left in .env.local.
    NODE_ENV: 'production',
    DATABASE_URL: appRoleUrl(ownerUrl) ?? ownerUrl,
    DATABASE_MIGRATION_URL: ownerUrl,
    AUDIT_ANCHOR_DIR: anchorDir,
    AUDIT_ANCHOR_KEY: anchorKey,
    BACKUP_DIR: backupDir,
  };
}

async function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  try {
    const r = await run('pnpm', ['--silent', ...args], { env, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

/** Every row of a table as (id, the whole row's text): what a restore must bring back unchanged. */
async function rowsOf(url: string, sql: string): Promise<string[][]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<string[]>({ text: sql, rowMode: 'array' });
    return rows;
  } finally {
    await c.end();
  }
}

const CONSULTATIONS = 'SELECT id::text, md5(t::text) FROM consultations t ORDER BY t.id';
const REFERRALS = 'SELECT id::text, md5(t::text) FROM referrals t ORDER BY t.id';
const AUDIT = 'SELECT id::text, hash, prev_hash, md5(t::text) FROM audit_log t ORDER BY t.id';

/** As the tables' owner or a superuser can: the triggers that refuse changes switched off. */
async function asOwner(h: DbHandle, sql: string): Promise<void> {
  const c = await h.pool.connect();
  try {
    await c.query("SET session_replication_role = 'replica'");
    await c.query(sql);
    await c.query("SET session_replication_role = 'origin'");
  } finally {
    c.release();
  }
}

describe.skipIf(missing !== null)(
  `pnpm db:backup and pnpm db:restore${missing ? ` (skipped: ${missing})` : ''}`,
  () => {
    let source: string;
    let h: DbHandle;
    let anchorDir: string;
    let backupDir: string;
    let backup: string;
    let anchoredId: number;

    beforeAll(async () => {
      source = await freshDatabase('backup-src');
      h = createDb(source, { max: 2 });
      open.push(h);
      // The demo's people and partners, three days of its history (consultations, assessments, referrals through
      // their lifecycle, follow-ups), and audit entries on both sides of a checkpoint.
      await seedDemo(h.db, TEST_PASSWORD);
      await seedDemoHistory(h.pool, { days: 3, key: sealKeyFrom(randomBytes(32).toString('base64'), 1) });
      for (let i = 0; i < 12; i++)
        await writeAudit(h.db, {
          action: 'consultation.read',
          targetType: 'consultation',
          targetId: `c${i}`,
        });
      anchorDir = await tempDir(join(tmpdir(), 'korgon-backup-anchors-'));
      backupDir = await tempDir(join(tmpdir(), 'korgon-backups-'));
      anchoredId = (await writeAuditAnchor(h.pool, { dir: anchorDir, key: anchorKey }))?.id ?? 0;
      for (let i = 0; i < 3; i++) await writeAudit(h.db, { action: 'auth.login', targetId: `after${i}` });

      const r = await cli(['db:backup'], cliEnv(source, anchorDir, backupDir));
      expect(r.out).toMatch(/backup written: /);
      expect(r.code).toBe(0);
      const dirs = (await readdir(backupDir)).filter((d) => d.startsWith('korgon-'));
      expect(dirs).toHaveLength(1);
      backup = join(backupDir, dirs[0] as string);
    }, 120_000);

    it('writes the dump, the checkpoints, a manifest of what it holds and their checksums', async () => {
      expect((await readdir(backup)).sort()).toEqual([
        'SHA256SUMS',
        'audit-anchors.jsonl',
        'backup.json',
        'korgon.dump',
      ]);
      const manifest = JSON.parse(await readFile(join(backup, 'backup.json'), 'utf8'));
      const consultations = await rowsOf(source, CONSULTATIONS);
      const referrals = await rowsOf(source, REFERRALS);
      const audit = await rowsOf(source, AUDIT);
      expect(consultations.length).toBeGreaterThan(10);
      expect(referrals.length).toBeGreaterThan(0);
      expect(manifest.counts).toEqual({
        consultations: consultations.length,
        referrals: referrals.length,
        auditEntries: audit.length,
      });
      expect(manifest.auditHead).toEqual({ id: Number(audit.at(-1)?.[0]), hash: audit.at(-1)?.[1] });
      expect(manifest.anchors).toMatchObject({ count: 1, latest: { id: anchoredId } });
      const sums = await run('sha256sum', ['-c', 'SHA256SUMS'], { cwd: backup });
      expect(sums.stdout).toMatch(/korgon\.dump: OK/);
    });

    it('restores into a fresh database every consultation, referral and audit entry, and the chain verifies against its anchor', async () => {
      const name = newDatabaseName('restored');
      const r = await cli(['db:restore', backup, '--database', name], cliEnv(source, anchorDir, backupDir));
      expect(r.out).toMatch(new RegExp(`created the database ${name}`));
      const head = await rowsOf(source, 'SELECT max(id)::text FROM audit_log');
      expect(r.out).toMatch(new RegExp(`audit chain verified up to entry ${head[0]?.[0]} `));
      expect(r.out).toMatch(/checkpoints in .*: the chain matches all 1 \(latest: entry \d+/);
      expect(r.out).toMatch(/restore verified/);
      expect(r.code).toBe(0);

      const restored = withDatabase(source, name);
      expect(await rowsOf(restored, CONSULTATIONS)).toEqual(await rowsOf(source, CONSULTATIONS));
      expect(await rowsOf(restored, REFERRALS)).toEqual(await rowsOf(source, REFERRALS));
      expect(await rowsOf(restored, AUDIT)).toEqual(await rowsOf(source, AUDIT));

      // The application's role is granted again: it reads, and may still only append to the audit log.
      const app = appRoleUrl(restored);
      if (app) {
        expect((await rowsOf(app, 'SELECT count(*)::text FROM consultations'))[0]?.[0]).toBe(
          String((await rowsOf(source, CONSULTATIONS)).length),
        );
        await expect(rowsOf(app, 'DELETE FROM audit_log WHERE id = 1')).rejects.toThrow(/permission denied/);
      }
      // The restored audit log still refuses changes, even from its owner (the triggers came back).
      await expect(rowsOf(restored, 'UPDATE audit_log SET details = details WHERE id = 1')).rejects.toThrow();
    }, 120_000);

    it('refuses to restore onto a database that is not empty, and says what to do; --force replaces it', async () => {
      const occupied = await freshDatabase('backup-occupied');
      const name = new URL(occupied).pathname.slice(1);
      await rowsOf(occupied, `INSERT INTO system_settings (key, value) VALUES ('restore-test', '1')`);
      const r = await cli(['db:restore', backup, '--database', name], cliEnv(source, anchorDir, backupDir));
      expect(r.code).toBe(1);
      expect(r.out).toMatch(
        /restore FAILED: the database ".*" is not empty .*--database <new name>.*--force/s,
      );
      // Untouched.
      expect(await rowsOf(occupied, `SELECT key FROM system_settings WHERE key = 'restore-test'`)).toEqual([
        ['restore-test'],
      ]);
      expect(await rowsOf(occupied, 'SELECT count(*)::text FROM consultations')).toEqual([['0']]);

      // --force: everything in it is dropped first, and the restore is whole.
      const forced = await cli(
        ['db:restore', backup, '--database', name, '--force'],
        cliEnv(source, anchorDir, backupDir),
      );
      expect(forced.out).toMatch(/--force: dropped /);
      expect(forced.out).toMatch(/restore verified/);
      expect(forced.code).toBe(0);
      expect(await rowsOf(occupied, CONSULTATIONS)).toEqual(await rowsOf(source, CONSULTATIONS));
      expect(await rowsOf(occupied, `SELECT key FROM system_settings WHERE key = 'restore-test'`)).toEqual(
        [],
      );
    }, 90_000);

    it('refuses a backup whose files do not match their checksums', async () => {
      const damaged = await tempDir(join(tmpdir(), 'korgon-backup-damaged-'));
      for (const f of await readdir(backup))
        await writeFile(join(damaged, f), await readFile(join(backup, f)));
      const dump = await readFile(join(damaged, 'korgon.dump'));
      dump[dump.length - 100] = (dump[dump.length - 100] ?? 0) ^ 0xff;
      await writeFile(join(damaged, 'korgon.dump'), dump);
      const name = newDatabaseName('damaged');
      const r = await cli(['db:restore', damaged, '--database', name], cliEnv(source, anchorDir, backupDir));
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/the backup is damaged: korgon\.dump does not match its checksum/);
    }, 60_000);

    it('reports a backup whose audit tail was cut after the checkpoint as failing verification', async () => {
      const cut = await freshDatabase('backup-cut');
      const c = createDb(cut, { max: 2 });
      open.push(c);
      for (let i = 0; i < 8; i++) await writeAudit(c.db, { action: 'auth.login', targetId: `s${i}` });
      const dir = await tempDir(join(tmpdir(), 'korgon-backup-cut-anchors-'));
      const out = await tempDir(join(tmpdir(), 'korgon-backups-cut-'));
      expect(await writeAuditAnchor(c.pool, { dir, key: anchorKey })).toMatchObject({ id: 8 });
      // Entries cut from the end: the chain still links, only the checkpoint shows it.
      await asOwner(c, 'DELETE FROM audit_log WHERE id > 5');
      const b = await cli(['db:backup'], cliEnv(cut, dir, out));
      expect(b.code).toBe(0);
      const [name] = (await readdir(out)).filter((d) => d.startsWith('korgon-'));
      const r = await cli(
        ['db:restore', join(out, name as string), '--database', newDatabaseName('cut')],
        cliEnv(cut, dir, out),
      );
      expect(r.out).toMatch(/audit chain verified up to entry 5 /);
      expect(r.out).toMatch(
        /FAILED: the chain ends at entry 5, below the checkpoint of entry 8 .*cut from its end/,
      );
      expect(r.out).toMatch(/restore NOT VERIFIED/);
      expect(r.code).toBe(1);
    }, 120_000);

    it("shows the last backup's time on the worker's /metrics", async () => {
      const token = randomBytes(32).toString('base64');
      const serve = async (dir: string): Promise<{ srv: Server; text: string }> => {
        const metrics = createWorkerMetrics({ backupDir: dir });
        const srv = await serveWorkerMetrics(metrics, { port: 0, host: '127.0.0.1', token, allow: 'any' });
        const res = await fetch(`http://127.0.0.1:${(srv.address() as AddressInfo).port}/metrics`, {
          headers: { authorization: `Bearer ${token}` },
        });
        expect(res.status).toBe(200);
        return { srv, text: await res.text() };
      };
      const status = JSON.parse(await readFile(join(backupDir, 'last-backup.json'), 'utf8'));
      const manifest = JSON.parse(await readFile(join(backup, 'backup.json'), 'utf8'));
      expect(status).toMatchObject({ at: manifest.at, backup: backup.split('/').at(-1) });
      const after = await serve(backupDir);
      after.srv.close();
      expect(after.text).toMatch(
        new RegExp(`^korgon_backup_last_success_timestamp_seconds ${Date.parse(status.at) / 1000}$`, 'm'),
      );
      // Where no backup ever succeeded: 0, which the alert KorgonBackupOverdue fires on.
      const never = await serve(await tempDir(join(tmpdir(), 'korgon-no-backups-')));
      never.srv.close();
      expect(never.text).toMatch(/^korgon_backup_last_success_timestamp_seconds 0$/m);
    });
  },
);
