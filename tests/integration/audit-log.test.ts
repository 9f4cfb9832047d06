import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createDb, type DbHandle, verifyAuditChain, writeAudit } from '@korgon/db';
import { freshDatabase } from '@korgon/dev/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
let url: string;
let h: DbHandle;

beforeAll(async () => {
  url = await freshDatabase('audit');
  h = createDb(url, { max: 12 });
});
afterAll(async () => h?.close());

/** Runs the real `pnpm audit:verify` against this test's database. */
async function auditVerify(): Promise<{ code: number; out: string }> {
  try {
    // An empty checkpoint directory of its own: the chain alone is checked here (audit-anchor.test.ts has the rest).
    const env = {
      ...process.env,
      DATABASE_URL: url,
      AUDIT_ANCHOR_DIR: join(tmpdir(), `korgon-no-anchors-${process.pid}`),
    };
    const r = await run('pnpm', ['--silent', 'audit:verify'], { env });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

describe('the audit log', () => {
  it('chains every entry to the one before, also under concurrent writers', async () => {
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        writeAudit(h.db, {
          action: 'auth.login',
          actorRole: 'operator',
          targetType: 'session',
          targetId: `s${i}`,
          details: { i },
        }),
      ),
    );
    const { rows } = await h.pool.query<{ id: number; prev_hash: string; hash: string }>(
      'SELECT id, prev_hash, hash FROM audit_log ORDER BY id',
    );
    expect(rows).toHaveLength(40);
    expect(rows[0]?.prev_hash).toBe('0'.repeat(64));
    for (let i = 1; i < rows.length; i++) expect(rows[i]?.prev_hash).toBe(rows[i - 1]?.hash);
    expect(await verifyAuditChain(h.pool)).toMatchObject({ ok: true, rows: 40 });
  });

  it('refuses UPDATE, DELETE and TRUNCATE', async () => {
    await expect(h.pool.query("UPDATE audit_log SET action = 'x' WHERE id = 1")).rejects.toThrow(
      /append-only/,
    );
    await expect(h.pool.query('DELETE FROM audit_log WHERE id = 1')).rejects.toThrow(/append-only/);
    await expect(h.pool.query('TRUNCATE audit_log')).rejects.toThrow(/append-only/);
  });

  it('`pnpm audit:verify` passes on an intact chain and reports the first broken link after a row is altered by hand', async () => {
    const intact = await auditVerify();
    expect(intact.code).toBe(0);
    expect(intact.out).toMatch(/audit log intact: 40 entries/);

    // Someone with superuser rights bypasses the trigger and edits entry 17.
    const c = await h.pool.connect();
    try {
      await c.query("SET session_replication_role = 'replica'");
      await c.query(`UPDATE audit_log SET details = '{"i": 999}' WHERE id = 17`);
      await c.query("SET session_replication_role = 'origin'");
    } finally {
      c.release();
    }
    const broken = await auditVerify();
    expect(broken.code).toBe(1);
    expect(broken.out).toMatch(/BROKEN at entry 17: the row was altered/);
    expect(await verifyAuditChain(h.pool)).toMatchObject({ ok: false, brokenAt: 17, rows: 16 });
  });

  it('reports a removed row as a broken link', async () => {
    const url2 = await freshDatabase('audit2');
    const h2 = createDb(url2, { max: 2 });
    try {
      for (let i = 0; i < 5; i++) await writeAudit(h2.db, { action: 'auth.logout', details: { i } });
      const c = await h2.pool.connect();
      await c.query("SET session_replication_role = 'replica'");
      await c.query('DELETE FROM audit_log WHERE id = 3');
      c.release();
      expect(await verifyAuditChain(h2.pool)).toMatchObject({
        ok: false,
        brokenAt: 4,
        reason: expect.stringMatching(/removed/),
      });
    } finally {
      await h2.close();
    }
  });
});
