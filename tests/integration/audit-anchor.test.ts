import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFile, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  AUDIT_ANCHOR_FILE,
  auditAnchorSignatureValid,
  createDb,
  type DbHandle,
  readAuditAnchors,
  signAuditAnchor,
  verifyAuditChain,
  writeAudit,
  writeAuditAnchor,
} from '@korgon/db';
import { freshDatabase, startTestWorker, testEnv, testQueues } from '@korgon/dev/testing';
import { SCHEDULES } from '@korgon/worker';
import { afterEach, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const key = randomBytes(32).toString('base64');
const open: DbHandle[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((h) => h.close()));
});

/** A fresh database with `n` audit entries, and an empty checkpoint directory of its own. */
async function logWith(n: number): Promise<{ url: string; h: DbHandle; dir: string }> {
  const url = await freshDatabase('anchor');
  const h = createDb(url, { max: 2 });
  open.push(h);
  for (let i = 0; i < n; i++)
    await writeAudit(h.db, { action: 'auth.login', targetId: `s${i}`, details: { i } });
  return { url, h, dir: await mkdtemp(join(tmpdir(), 'korgon-anchors-test-')) };
}

/** Runs the real `pnpm audit:verify` against a database and a checkpoint directory. */
async function auditVerify(
  url: string,
  dir: string,
  anchorKey = key,
): Promise<{ code: number; out: string }> {
  // NODE_ENV=production: the key is the one given here, never one a local start left in .env.local.
  const env = {
    ...process.env,
    NODE_ENV: 'production',
    DATABASE_URL: url,
    AUDIT_ANCHOR_DIR: dir,
    AUDIT_ANCHOR_KEY: anchorKey,
  };
  try {
    const r = await run('pnpm', ['--silent', 'audit:verify'], { env });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

/** What a superuser (or the tables' owner) can do: the triggers that refuse changes are switched off. */
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

describe('the audit chain’s checkpoints', () => {
  it('an untouched chain matches its checkpoints', async () => {
    const { url, h, dir } = await logWith(6);
    expect(await writeAuditAnchor(h.pool, { dir, key })).toMatchObject({ id: 6 });
    await writeAudit(h.db, { action: 'auth.logout' });
    await writeAuditAnchor(h.pool, { dir, key });
    const file = await readAuditAnchors(dir);
    expect(file.anchors.map((a) => a.id)).toEqual([6, 7]);
    expect(file.anchors.every((a) => auditAnchorSignatureValid(key, a))).toBe(true);
    const r = await auditVerify(url, dir);
    expect(r.out).toMatch(/audit log intact: 7 entries/);
    expect(r.out).toMatch(/the chain matches all 2 in .*latest: entry 7/);
    expect(r.code).toBe(0);
  }, 60_000);

  it('entries cut from the end after a checkpoint fail the check, though the chain itself still links', async () => {
    const { url, h, dir } = await logWith(10);
    await writeAuditAnchor(h.pool, { dir, key });
    await asOwner(h, 'DELETE FROM audit_log WHERE id > 7');
    // What the chain alone cannot see:
    expect(await verifyAuditChain(h.pool)).toMatchObject({ ok: true, rows: 7 });
    const r = await auditVerify(url, dir);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      /BROKEN against its checkpoints: the chain ends at entry 7, below the checkpoint of entry 10 .*cut from its end/,
    );
  }, 60_000);

  it('a row rewritten with every later hash recomputed by the database’s own function fails the check', async () => {
    const { url, h, dir } = await logWith(10);
    await writeAuditAnchor(h.pool, { dir, key });
    await asOwner(h, `UPDATE audit_log SET details = '{"i": 999}' WHERE id = 4`);
    // Re-hash from entry 4 on, in order, each row linked to the new hash of the one before.
    for (let id = 4; id <= 10; id++)
      await asOwner(
        h,
        `UPDATE audit_log a SET prev_hash = p.hash,
                hash = audit_log_row_hash(p.hash, a.id, a.at, a.actor_id, a.actor_role, a.action, a.target_type,
                                          a.target_id, a.ip_hash, a.details)
           FROM audit_log p WHERE a.id = ${id} AND p.id = ${id - 1}`,
      );
    expect(await verifyAuditChain(h.pool)).toMatchObject({ ok: true, rows: 10 });
    const r = await auditVerify(url, dir);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/entry 10 no longer has the hash checkpointed at .*rewritten .* recomputed/);
  }, 60_000);

  it('a forged checkpoint (not signed with AUDIT_ANCHOR_KEY) fails the check', async () => {
    const { url, h, dir } = await logWith(5);
    await writeAuditAnchor(h.pool, { dir, key });
    // After a cut to 3 entries, someone writes a checkpoint of the shortened chain, signed with a key of theirs.
    await asOwner(h, 'DELETE FROM audit_log WHERE id > 3');
    const head = await h.pool.query<{ hash: string }>('SELECT hash FROM audit_log WHERE id = 3');
    const forged = signAuditAnchor(randomBytes(32).toString('base64'), {
      id: 3,
      hash: head.rows[0]?.hash ?? '',
      at: new Date().toISOString(),
    });
    const forgedDir = await mkdtemp(join(tmpdir(), 'korgon-anchors-forged-'));
    await appendFile(join(forgedDir, AUDIT_ANCHOR_FILE), `${JSON.stringify(forged)}\n`);
    const r = await auditVerify(url, forgedDir);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/the checkpoint of entry 3 taken at .* has a bad signature/);
    // And the real checkpoints still show the cut.
    expect((await auditVerify(url, dir)).code).toBe(1);
    // Without the key, checkpoints cannot be trusted: the check says so and fails.
    const noKey = await auditVerify(url, dir, '');
    expect(noKey.code).toBe(1);
    expect(noKey.out).toMatch(/NOT CHECKED .*AUDIT_ANCHOR_KEY is not set/);
  }, 60_000);

  it('skips a last line torn by a crash, but fails on a line that is not a checkpoint', async () => {
    const { url, h, dir } = await logWith(3);
    await writeAuditAnchor(h.pool, { dir, key });
    await appendFile(join(dir, AUDIT_ANCHOR_FILE), '{"id":3,"hash":"ab');
    const torn = await auditVerify(url, dir);
    expect(torn.code).toBe(0);
    expect(torn.out).toMatch(/last line .* is incomplete/);
    await appendFile(join(dir, AUDIT_ANCHOR_FILE), '\n');
    const bad = await auditVerify(url, dir);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/line 2 of the checkpoint file is not a checkpoint/);
  }, 60_000);
});

describe('the worker’s checkpoints', () => {
  it('are scheduled hourly, and written by the audit.anchor job with a valid signature', async () => {
    const { url, dir } = await logWith(4);
    const env = testEnv(url, { AUDIT_ANCHOR_DIR: dir, AUDIT_ANCHOR_KEY: key });
    const worker = await startTestWorker(url, env);
    const jobs = testQueues(env);
    try {
      expect(SCHEDULES.find((s) => s.id === 'audit-anchor')).toMatchObject({
        name: 'audit.anchor',
        repeat: { pattern: '0 * * * *' },
      });
      const scheduler = (await jobs.queues.maintenance.getJobSchedulers()).find(
        (s) => s.key === 'audit-anchor',
      );
      expect(scheduler?.pattern).toBe('0 * * * *');
      await jobs.add([{ name: 'audit.anchor', data: {}, jobId: 'anchor-now' }]);
      await expect
        .poll(async () => (await readAuditAnchors(dir)).anchors.length, { timeout: 15_000 })
        .toBeGreaterThan(0);
      const [a] = (await readAuditAnchors(dir)).anchors;
      expect(a).toMatchObject({ id: 4 });
      expect(a && auditAnchorSignatureValid(key, a)).toBe(true);
      expect((await auditVerify(url, dir)).code).toBe(0);
    } finally {
      await jobs.close();
      await worker.stop();
    }
  }, 60_000);

  it('anchor the chain right after the monthly report is written', async () => {
    const { url, h, dir } = await logWith(2);
    const env = testEnv(url, { AUDIT_ANCHOR_DIR: dir, AUDIT_ANCHOR_KEY: key });
    const worker = await startTestWorker(url, env);
    const jobs = testQueues(env);
    try {
      await jobs.add([{ name: 'report.monthly', data: {}, jobId: 'monthly-anchor-test' }]);
      await expect
        .poll(
          async () =>
            (await h.pool.query(`SELECT 1 FROM exports WHERE report = 'monthly' AND state = 'done'`))
              .rowCount,
          { timeout: 30_000 },
        )
        .toBe(1);
      // The report's own audit entry (export.built) is the head the checkpoint names.
      const built = await h.pool.query<{ id: number; hash: string }>(
        `SELECT id, hash FROM audit_log WHERE action = 'export.built'`,
      );
      await expect
        .poll(async () => (await readAuditAnchors(dir)).anchors.map((a) => a.id), { timeout: 15_000 })
        .toContain(built.rows[0]?.id);
      const text = await readFile(join(dir, AUDIT_ANCHOR_FILE), 'utf8');
      expect(text).toContain(built.rows[0]?.hash);
    } finally {
      await jobs.close();
      await worker.stop();
    }
  }, 60_000);
});
