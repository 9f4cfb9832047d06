import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { auditAnchorDirOf } from '@korgon/config';
import { AUDIT_ANCHOR_FILE, signAuditAnchor, writeAudit, writeAuditAnchor } from '@korgon/db';
import { createTestApp, signIn, type TestApp } from '@korgon/dev/testing';
import type { AuditLogEntry, AuditLogPage, AuditStatus } from '@korgon/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Issue 13's audit log viewer: GET /api/admin/audit-log (filters, keyset pages, the read itself audited) and
 * GET /api/admin/audit-log/status (the chain's verification, incremental and full, and the latest signed
 * checkpoint), on a real server connected as the application's role, with entries and tampering arranged as the
 * owner.
 */

let t: TestApp;
let admin: string;
const ids: Record<string, string> = {};
/** A consultation the entries below are about, and one more. */
const consultation = crypto.randomUUID();
const otherConsultation = crypto.randomUUID();

beforeAll(async () => {
  t = await createTestApp({ label: 'auditview' });
  admin = await signIn(t.app, 'admin');
  const { rows } = await t.db.pool.query<{ id: string; username: string }>('SELECT id, username FROM users');
  for (const r of rows) ids[r.username] = r.id;
}, 60_000);
afterAll(async () => {
  await t?.close();
});

const get = async (url: string, cookie = admin) =>
  t.app.inject({ method: 'GET', url, headers: { cookie, origin: t.baseUrl } });

async function list(query: Record<string, string | number>): Promise<AuditLogPage> {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString();
  const res = await get(`/api/admin/audit-log${qs ? `?${qs}` : ''}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as AuditLogPage;
}

async function status(full = false): Promise<AuditStatus> {
  const res = await get(`/api/admin/audit-log/status${full ? '?full=true' : ''}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as AuditStatus;
}

/** What a superuser (or the tables' owner) can do: the triggers that refuse changes are switched off. */
async function asOwner(sql: string): Promise<void> {
  const c = await t.db.pool.connect();
  try {
    await c.query("SET session_replication_role = 'replica'");
    await c.query(sql);
    await c.query("SET session_replication_role = 'origin'");
  } finally {
    c.release();
  }
}

const headId = async () =>
  Number((await t.db.pool.query<{ id: string }>('SELECT max(id) AS id FROM audit_log')).rows[0]?.id);

describe('the audit log viewer', () => {
  /** When the second batch of entries began (the database's own clock). */
  let between = '';

  beforeAll(async () => {
    const w = (e: Parameters<typeof writeAudit>[1]) => writeAudit(t.db.db, e);
    const op = { actorId: ids.operator1, actorRole: 'operator' };
    const sup = { actorId: ids.supervisor, actorRole: 'supervisor' };
    await w({ ...op, action: 'consultation.read', targetType: 'consultation', targetId: consultation });
    await w({ ...op, action: 'consultation.finalized', targetType: 'consultation', targetId: consultation });
    await w({ ...sup, action: 'risk.override', targetType: 'consultation', targetId: consultation });
    await w({ ...sup, action: 'consultation.read', targetType: 'consultation', targetId: otherConsultation });
    await w({
      action: 'user.role_changed',
      actorId: ids.admin,
      actorRole: 'admin',
      targetType: 'user',
      targetId: ids.operator2,
      details: { from: 'operator', to: 'operator' },
    });
    const { rows } = await t.db.pool.query<{ at: Date }>('SELECT clock_timestamp() AS at');
    between = (rows[0]?.at ?? new Date()).toISOString();
    for (let i = 0; i < 7; i++)
      await w({ ...op, action: 'handover.read', targetType: 'handover', targetId: `h${i}`, details: { i } });
    await w({
      ...sup,
      action: 'consultation.history_read',
      targetType: 'consultation',
      targetId: consultation,
    });
  });

  it('refuses every role but the administrator, and nobody at all', async () => {
    for (const username of ['operator1', 'supervisor', 'manager', 'partner-police-bishkek']) {
      const cookie = await signIn(t.app, username);
      for (const url of ['/api/admin/audit-log', '/api/admin/audit-log/status'])
        expect((await get(url, cookie)).statusCode, `${username} ${url}`).toBe(403);
    }
    const nobody = await t.app.inject({ method: 'GET', url: '/api/admin/audit-log' });
    expect(nobody.statusCode).toBe(401);
  });

  it('lists newest first, each entry with its actor, action, target and details', async () => {
    const page = await list({});
    const got = page.entries.map((e) => e.id);
    expect(got).toEqual([...got].sort((a, b) => b - a));
    const history = page.entries.find((e) => e.action === 'consultation.history_read') as AuditLogEntry;
    expect(history).toMatchObject({
      actor: { id: ids.supervisor, username: 'supervisor', role: 'supervisor' },
      target: { type: 'consultation', id: consultation },
    });
    expect(history.actor?.displayName).toBeTruthy();
    expect(page.entries.find((e) => e.action === 'handover.read')?.details).toMatchObject({ i: 6 });
    expect(page.actions).toContain('risk.override');
    expect(page.actions).toContain('consultation.read');
  });

  it('narrows by actor, as a username or an id', async () => {
    const byName = await list({ actor: 'supervisor', limit: 200 });
    expect(byName.entries.length).toBeGreaterThanOrEqual(3);
    expect(byName.entries.every((e) => e.actor?.id === ids.supervisor)).toBe(true);
    const byId = await list({ actor: ids.supervisor as string, limit: 200 });
    expect(byId.entries.map((e) => e.id)).toEqual(byName.entries.map((e) => e.id));
    // Case does not matter in a username; one that names nobody has no entries.
    expect((await list({ actor: 'SUPERVISOR', limit: 200 })).entries.length).toBe(byName.entries.length);
    expect((await list({ actor: 'nobody-by-this-name' })).entries).toEqual([]);
  });

  it('narrows by an action, or by a prefix of actions', async () => {
    const exact = await list({ action: 'risk.override' });
    expect(exact.entries.map((e) => e.action)).toEqual(['risk.override']);
    const prefix = await list({ action: 'consultation.', limit: 200 });
    const actions = new Set(prefix.entries.map((e) => e.action));
    expect(actions).toEqual(
      new Set(['consultation.read', 'consultation.finalized', 'consultation.history_read']),
    );
    expect(prefix.entries.filter((e) => e.action === 'consultation.read')).toHaveLength(2);
  });

  it('narrows by target', async () => {
    const page = await list({ targetType: 'consultation', targetId: consultation, limit: 200 });
    expect(page.entries.map((e) => e.action).sort()).toEqual(
      ['consultation.finalized', 'consultation.history_read', 'consultation.read', 'risk.override'].sort(),
    );
    const one = await list({ targetType: 'consultation', targetId: otherConsultation });
    expect(one.entries).toHaveLength(1);
    // A user as the target carries their username.
    const user = await list({ targetType: 'user', targetId: ids.operator2 as string });
    expect(user.entries.map((e) => e.action)).toEqual(['user.role_changed']);
    expect(user.entries[0]?.target).toEqual({ type: 'user', id: ids.operator2, label: 'operator2' });
  });

  it('narrows by time', async () => {
    const after = await list({ from: between, limit: 200, action: 'consultation.' });
    expect(after.entries.map((e) => e.action)).toEqual(['consultation.history_read']);
    const before = await list({ to: between, limit: 200, action: 'consultation.' });
    expect(before.entries.map((e) => e.action).sort()).toEqual(
      ['consultation.finalized', 'consultation.read', 'consultation.read'].sort(),
    );
    expect(before.entries.every((e) => Date.parse(e.at) < Date.parse(between))).toBe(true);
    // operator1's entries after the boundary: the hand-over reads (and any sign-in of the tests above).
    const window = await list({
      from: between,
      to: new Date(Date.now() + 60_000).toISOString(),
      actor: 'operator1',
      action: 'handover.',
    });
    expect(window.entries.map((e) => e.action)).toEqual(Array(7).fill('handover.read'));
    // In Asia/Bishkek's offset, the same instant.
    const local = new Date(Date.parse(between) + 6 * 3600_000).toISOString().replace('Z', '+06:00');
    expect((await list({ from: local, action: 'consultation.' })).entries).toHaveLength(1);
  });

  it('pages by id, newest first, until the last page says so', async () => {
    const seen: number[] = [];
    let cursor: number | null = null;
    let pages = 0;
    do {
      const page: AuditLogPage = await list({
        action: 'handover.read',
        limit: 3,
        ...(cursor !== null ? { cursor } : {}),
      });
      seen.push(...page.entries.map((e) => e.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);
    expect(seen).toEqual([...seen].sort((a, b) => b - a));
  });

  it('answers a bad filter with a 400 that names the field', async () => {
    const cases: [string, RegExp][] = [
      ['action=Consultation%20Read', /action/],
      ['targetId=abc', /targetId/],
      ['from=yesterday', /from/],
      ['from=2026-11-02T00:00:00%2B06:00&to=2026-11-01T00:00:00%2B06:00', /to/],
      ['limit=1000', /limit/],
      ['cursor=abc', /cursor/],
      ['actor=%3Cscript%3E', /actor/],
      ['colour=red', /colour|Unrecognized/i],
    ];
    for (const [qs, field] of cases) {
      const res = await get(`/api/admin/audit-log?${qs}`);
      expect(res.statusCode, qs).toBe(400);
      expect((res.json() as { message: string }).message, qs).toMatch(field);
    }
    expect((await get('/api/admin/audit-log/status?full=yes')).statusCode).toBe(400);
  });

  it('audits the read itself: who, with which filters, not the entries', async () => {
    const before = await headId();
    await list({ actor: 'operator1', action: 'handover.', limit: 2 });
    const { rows } = await t.db.pool.query<{
      action: string;
      actor_id: string;
      details: Record<string, unknown>;
    }>('SELECT action, actor_id, details FROM audit_log WHERE id > $1 ORDER BY id', [before]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      action: 'audit.read',
      actor_id: ids.admin,
      details: { actorId: ids.operator1, action: 'handover.', entries: 2 },
    });
    // And the reads show in the viewer.
    expect((await list({ action: 'audit.read', limit: 1 })).entries[0]?.actor?.username).toBe('admin');
  });
});

describe('the chain’s status', () => {
  const anchorDir = () => auditAnchorDirOf(t.env.AUDIT_ANCHOR_DIR);

  it('says verified up to the newest entry, then adds only the entries written since', async () => {
    const first = await status();
    const head = await headId();
    expect(first.chain).toMatchObject({ ok: true, verifiedUpTo: head });
    expect(first.mode).toBe('full');
    expect(first.anchors).toMatchObject({ count: 0, latest: null, ok: true });

    await writeAudit(t.db.db, { action: 'auth.logout', actorId: ids.manager, actorRole: 'manager' });
    await writeAudit(t.db.db, { action: 'auth.logout', actorId: ids.manager, actorRole: 'manager' });
    const next = await status();
    expect(next.mode).toBe('incremental');
    expect(next.checkedNow).toBe(2);
    expect(next.chain).toMatchObject({ ok: true, verifiedUpTo: await headId(), entries: head + 2 });
  });

  it('shows the latest checkpoint, its signature checked and the chain matched against it', async () => {
    const anchor = await writeAuditAnchor(t.db.pool, { dir: anchorDir(), key: t.env.AUDIT_ANCHOR_KEY });
    const s = await status();
    expect(s.anchors).toMatchObject({
      count: 1,
      ok: true,
      problem: null,
      latest: { id: anchor?.id, hash: anchor?.hash, signatureValid: true, matchesChain: true },
    });
    expect(Date.parse(s.anchors.latest?.at ?? '')).toBe(Date.parse(anchor?.at ?? ''));

    // A checkpoint signed with another key is said to be one.
    const head = await t.db.pool.query<{ id: string; hash: string }>(
      'SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1',
    );
    const forged = signAuditAnchor('not the key', {
      id: Number(head.rows[0]?.id) + 0,
      hash: head.rows[0]?.hash ?? '',
      at: new Date().toISOString(),
    });
    await appendFile(join(anchorDir(), AUDIT_ANCHOR_FILE), `${JSON.stringify(forged)}\n`);
    const f = await status();
    expect(f.anchors.ok).toBe(false);
    expect(f.anchors.problem).toMatch(/bad signature/);
    expect(f.anchors.latest?.signatureValid).toBe(false);
  });

  it('says broken, at the altered entry, once the chain is tampered with', async () => {
    const target = await t.db.pool.query<{ id: string }>(
      "SELECT id FROM audit_log WHERE action = 'risk.override' ORDER BY id LIMIT 1",
    );
    const altered = Number(target.rows[0]?.id);
    await asOwner(`UPDATE audit_log SET details = '{"level": "low"}' WHERE id = ${altered}`);
    // Below the last verified entry: found by the full walk (every request checks only what is new).
    const full = await status(true);
    expect(full.mode).toBe('full');
    expect(full.chain).toMatchObject({ ok: false, brokenAt: altered, entries: altered - 1 });
    if (!full.chain.ok) expect(full.chain.reason).toMatch(/altered/);
    // And it stays said.
    expect((await status()).chain).toMatchObject({ ok: false, brokenAt: altered });
  });

  it('finds an entry altered after the last check without a full walk, and a rewritten checkpointed entry', async () => {
    // A fresh app on a fresh database: an intact chain, checked once.
    const u = await createTestApp({ label: 'auditview2' });
    try {
      const cookie = await signIn(u.app, 'admin');
      const st = async (full = false) => {
        const res = await u.app.inject({
          method: 'GET',
          url: `/api/admin/audit-log/status${full ? '?full=true' : ''}`,
          headers: { cookie, origin: u.baseUrl },
        });
        expect(res.statusCode, res.body).toBe(200);
        return res.json() as AuditStatus;
      };
      expect((await st()).chain.ok).toBe(true);
      for (let i = 0; i < 3; i++) await writeAudit(u.db.db, { action: 'auth.logout', details: { i } });
      const last = Number(
        (await u.db.pool.query<{ id: string }>('SELECT max(id) AS id FROM audit_log')).rows[0]?.id,
      );
      const c = await u.db.pool.connect();
      try {
        await c.query("SET session_replication_role = 'replica'");
        await c.query(`UPDATE audit_log SET details = '{"i": 99}' WHERE id = ${last - 1}`);
      } finally {
        await c.query("SET session_replication_role = 'origin'");
        c.release();
      }
      const s = await st();
      expect(s.mode).toBe('incremental');
      expect(s.chain).toMatchObject({ ok: false, brokenAt: last - 1 });

      // The checkpoint of the head, then the head rewritten with its hash recomputed: the chain links again, the
      // checkpoint says otherwise.
      const dir = auditAnchorDirOf(u.env.AUDIT_ANCHOR_DIR);
      await writeAuditAnchor(u.db.pool, { dir, key: u.env.AUDIT_ANCHOR_KEY });
      const c2 = await u.db.pool.connect();
      try {
        await c2.query("SET session_replication_role = 'replica'");
        for (const id of [last - 1, last])
          await c2.query(
            `UPDATE audit_log a SET prev_hash = p.hash,
                    hash = audit_log_row_hash(p.hash, a.id, a.at, a.actor_id, a.actor_role, a.action, a.target_type,
                                              a.target_id, a.ip_hash, a.details)
               FROM audit_log p WHERE a.id = $1 AND p.id = (SELECT max(id) FROM audit_log WHERE id < $1)`,
            [id],
          );
      } finally {
        await c2.query("SET session_replication_role = 'origin'");
        c2.release();
      }
      const after = await st(true);
      expect(after.chain.ok).toBe(true);
      expect(after.anchors).toMatchObject({
        ok: false,
        latest: { id: last, signatureValid: true, matchesChain: false },
      });
      expect(after.anchors.problem).toMatch(/no longer has the hash/);
    } finally {
      await u.close();
    }
  }, 60_000);
});
