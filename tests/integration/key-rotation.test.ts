import { randomBytes, randomUUID } from 'node:crypto';
import type { Env } from '@korgon/config';
import { createDb, type DbHandle, RISK_OVERRIDE_SEALED, SEALED_COLUMNS } from '@korgon/db';
import {
  callEvent,
  freshDatabase,
  postEvents,
  shiftedClock,
  startTestWorker,
  TEST_ORIGIN,
  TEST_PASSWORD,
  type TestApp,
  testEnv,
} from '@korgon/dev/testing';
import type { Clock, KeyStatus } from '@korgon/domain';
import { buildApp, seedDemo, seedDemoHistory, serverConfig } from '@korgon/server';
import { callerHash, open, type SealKey, seal, sealKeyFrom } from '@korgon/signing';
import { runReencrypt, type WorkerHandle } from '@korgon/worker';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sessionMaker } from './lib/sessions';

/**
 * Issue 13's key rotation, end to end on one database: text sealed under notes key v1 (through the app and as
 * stored by older versions), the server restarted with v2 current and v1 old (everything still reads), the
 * worker's re-encryption moving every sealed column to v2 (checked with SQL, table by table), then v1 removed
 * (everything still reads). And the caller HMAC key: a caller hashed under v1 is still matched as a repeat caller
 * after the key changed to v2 while v1 was retired less than 90 days ago, and no longer after.
 */

const b64 = () => randomBytes(32).toString('base64');
const K1 = b64();
const K2 = b64();
const H1 = randomBytes(32).toString('hex');
const H2 = randomBytes(32).toString('hex');
const TODAY = new Date().toISOString().slice(0, 10);
const DAY = 86_400_000;

let databaseUrl: string;
let db: DbHandle;
type App = Awaited<ReturnType<typeof buildApp>>;
const apps: App[] = [];
const workers: WorkerHandle[] = [];

/** A server on the test's database with exactly these keys (a restart with a new configuration). */
async function serverWith(keys: Record<string, string>, clock?: Clock) {
  const env = testEnv(databaseUrl, keys);
  const app = await buildApp({ config: serverConfig(env), logger: false, poolSize: 4, clock });
  await app.ready();
  apps.push(app);
  const sessions = sessionMaker({ app, baseUrl: TEST_ORIGIN } as TestApp, 60 + apps.length);
  const as = async (username: string) => {
    const cookie = await sessions.signInAs(username);
    return (method: 'GET' | 'POST', url: string, payload?: object) =>
      app.inject({ method, url, headers: { cookie, origin: TEST_ORIGIN }, ...(payload ? { payload } : {}) });
  };
  return { app, env, as };
}

const V1 = {
  NOTES_ENCRYPTION_KEY: K1,
  NOTES_KEY_VERSION: '1',
  CALLER_HMAC_KEY: H1,
  CALLER_HMAC_KEY_VERSION: '1',
};
const V2_WITH_V1 = {
  NOTES_ENCRYPTION_KEY: K2,
  NOTES_KEY_VERSION: '2',
  NOTES_ENCRYPTION_KEYS_OLD: `1:${K1}`,
  CALLER_HMAC_KEY: H2,
  CALLER_HMAC_KEY_VERSION: '2',
  CALLER_HMAC_KEYS_OLD: `1:${H1}:${TODAY}`,
};
const V2_ONLY = {
  NOTES_ENCRYPTION_KEY: K2,
  NOTES_KEY_VERSION: '2',
  CALLER_HMAC_KEY: H2,
  CALLER_HMAC_KEY_VERSION: '2',
};

const k1 = sealKeyFrom(K1, 1);
const ring = sealKeyFrom(K2, 2, [{ version: 1, key: K1 }]);
const k2 = sealKeyFrom(K2, 2);

/** Every sealed text of the database, opened with `key`: `<table>:<id>:<column>` → text. Throws if one cannot be. */
async function readAll(key: SealKey): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const t of SEALED_COLUMNS) {
    const cols = t.columns.map((c) => c.column);
    const { rows } = await db.pool.query<Record<string, unknown> & { id: string; v: number }>(
      `SELECT id, ${t.versionColumn} AS v, ${cols.join(', ')} FROM ${t.table}
        WHERE ${cols.map((c) => `${c} IS NOT NULL`).join(' OR ')}`,
    );
    for (const r of rows)
      for (const { column, suffix } of t.columns) {
        const sealed = r[column] as Buffer | null;
        if (sealed) out.set(`${t.table}:${r.id}:${column}`, open(key, `${r.id}${suffix}`, sealed, r.v));
      }
  }
  const { rows } = await db.pool.query<{ id: string; v: number; s: string }>(
    `SELECT id, ${RISK_OVERRIDE_SEALED.version} AS v, override->>'textSealed' AS s FROM risk_assessments
      WHERE ${RISK_OVERRIDE_SEALED.present}`,
  );
  for (const r of rows) out.set(`risk_assessments:${r.id}`, open(key, r.id, Buffer.from(r.s, 'base64'), r.v));
  return out;
}

/** Rows of each sealed table holding text under a version other than `version`. */
async function notAt(version: number): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of SEALED_COLUMNS) {
    const present = t.columns.map((c) => `${c.column} IS NOT NULL`).join(' OR ');
    const { rows } = await db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${t.table} WHERE (${present}) AND ${t.versionColumn} IS DISTINCT FROM $1`,
      [version],
    );
    out[t.table] = rows[0]?.n ?? 0;
  }
  const { rows } = await db.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM risk_assessments
      WHERE ${RISK_OVERRIDE_SEALED.present} AND ${RISK_OVERRIDE_SEALED.version} IS DISTINCT FROM $1`,
    [version],
  );
  out.risk_assessments = rows[0]?.n ?? 0;
  return out;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false>, ms = 60_000) {
  return vi.waitFor(
    async () => {
      const v = await probe();
      if (!v) throw new Error(`${what}: not within ${ms} ms`);
      return v;
    },
    { timeout: ms, interval: 100 },
  );
}

const one = async <T>(sql: string, params: unknown[] = []) =>
  (await db.pool.query(sql, params)).rows[0] as T | undefined;

let consultationIds: string[] = [];
let shreddedAddendum = '';
const NOTE = (id: string) => `Она боится мужа — ал күйөөсүнөн коркот (${id.slice(0, 8)})`;

beforeAll(async () => {
  databaseUrl = await freshDatabase('keyrot');
  db = createDb(databaseUrl, { max: 6 });
  await seedDemo(db.db, TEST_PASSWORD);
  // A few days of the demo's history, sealed under v1: follow-up reasons, referral rejection reasons.
  await seedDemoHistory(db.pool, { key: k1, days: 3 });
}, 120_000);

afterAll(async () => {
  for (const w of workers) await w.stop();
  for (const a of apps) await a.close();
  await db?.close();
});

describe('the notes key', () => {
  let before: Map<string, string>;
  let handoverId = '';

  it('under v1: text sealed through the app and as stored, in every sealed column', async () => {
    const s1 = await serverWith(V1);
    const supervisor = await s1.as('supervisor');
    const written = await supervisor('POST', '/api/board/handover', {
      body: 'Смена спокойная, түн тынч өттү.',
    });
    expect(written.statusCode).toBe(201);
    handoverId = (written.json() as { id: string }).id;
    // As earlier versions stored it: notes, addenda (one shredded by retention), an override's text, a
    // referral's message, a partner's webhook secret, an operator's second-factor secret.
    const { rows } = await db.pool.query<{ id: string; operator_id: string }>(
      `SELECT id, operator_id FROM consultations WHERE status = 'final' ORDER BY id LIMIT 5`,
    );
    consultationIds = rows.map((r) => r.id);
    for (const r of rows)
      await db.pool.query(
        'UPDATE consultations SET notes_ciphertext = $2, notes_key_version = 1 WHERE id = $1',
        [r.id, seal(k1, r.id, JSON.stringify({ notes: NOTE(r.id), codeWord: 'алма', ifCallDrops: '' }))],
      );
    const c0 = rows[0] as { id: string; operator_id: string };
    for (const text of ['Дополнение: звонила сестра.', null]) {
      const id = randomUUID();
      await db.pool.query(
        `INSERT INTO consultation_addenda (id, consultation_id, author_id, text_ciphertext, key_version, signature, shredded_at)
         VALUES ($1, $2, $3, $4, 1, 'sig', $5)`,
        [id, c0.id, c0.operator_id, text ? seal(k1, id, text) : null, text ? null : new Date()],
      );
      if (!text) shreddedAddendum = id;
    }
    const risk = await one<{ id: string }>('SELECT id FROM risk_assessments ORDER BY id LIMIT 1');
    await db.pool.query(
      `UPDATE risk_assessments SET override = coalesce(override, '{}'::jsonb)
         || jsonb_build_object('textSealed', $2::text, 'keyVersion', 1) WHERE id = $1`,
      [
        risk?.id,
        seal(
          k1,
          risk?.id as string,
          JSON.stringify({ reason: 'Угроза оружием', signOffNote: null }),
        ).toString('base64'),
      ],
    );
    const { rows: refs } = await db.pool.query<{ id: string }>(
      `UPDATE referrals SET message_sealed = NULL, key_version = 1
        WHERE id IN (SELECT id FROM referrals ORDER BY id LIMIT 3) RETURNING id`,
    );
    for (const r of refs)
      await db.pool.query('UPDATE referrals SET message_sealed = $2 WHERE id = $1', [
        r.id,
        seal(k1, `${r.id}:message`, 'Просим принять в кризисный центр.'),
      ]);
    const partner = await one<{ id: string }>('SELECT id FROM partner_orgs ORDER BY id LIMIT 1');
    await db.pool.query(
      'UPDATE partner_orgs SET webhook_secret_sealed = $2, webhook_secret_key_version = 1 WHERE id = $1',
      [partner?.id, seal(k1, `${partner?.id}:webhook`, 'whsec-partner')],
    );
    const op = await one<{ id: string }>(`SELECT id FROM users WHERE username = 'operator3'`);
    await db.pool.query('UPDATE users SET totp_secret_sealed = $2, totp_key_version = 1 WHERE id = $1', [
      op?.id,
      seal(k1, op?.id as string, 'JBSWY3DPEHPK3PXP'),
    ]);

    before = await readAll(k1);
    const tables = new Set([...before.keys()].map((k) => k.split(':')[0]));
    expect([...tables].sort()).toEqual(
      [
        'consultation_addenda',
        'consultations',
        'follow_ups',
        'handover_notes',
        'partner_orgs',
        'referrals',
        'risk_assessments',
        'users',
      ].sort(),
    );
    expect(Object.values(await notAt(1)).every((n) => n === 0)).toBe(true);
  }, 60_000);

  it('after a restart with v2 current and v1 old, everything still reads, and new text is sealed under v2', async () => {
    const s2 = await serverWith(V2_WITH_V1);
    const supervisor = await s2.as('supervisor');
    const c = await supervisor('GET', `/api/consultations/${consultationIds[0]}`);
    expect(c.statusCode).toBe(200);
    expect((c.json() as { secret: { notes: string } }).secret.notes).toBe(NOTE(consultationIds[0] as string));
    const night = await s2.as('supervisor-night');
    const list = await night('GET', '/api/board/handover');
    expect(list.statusCode).toBe(200);
    expect(JSON.stringify(list.json())).toContain('түн тынч өттү');
    const written = await night('POST', '/api/board/handover', { body: 'Под v2: всё тихо.' });
    expect(written.statusCode).toBe(201);
    const row = await one<{ key_version: number }>('SELECT key_version FROM handover_notes WHERE id = $1', [
      (written.json() as { id: string }).id,
    ]);
    expect(row?.key_version).toBe(2);
    // The keyring reads both versions; what v1 sealed reads as it did.
    const mixed = await readAll(ring);
    for (const [k, v] of before) expect(mixed.get(k)).toBe(v);

    // The admin's status: the rows still under v1, per table; no key material anywhere in it.
    const admin = await s2.as('admin');
    const res = await admin('GET', '/api/admin/keys');
    expect(res.statusCode).toBe(200);
    const status = res.json() as KeyStatus;
    expect(status.notes.currentVersion).toBe(2);
    expect(status.notes.readableVersions).toEqual([2, 1]);
    expect(status.notes.pending).toBe(Object.values(await notAt(2)).reduce((n, x) => n + x, 0));
    expect(status.notes.pending).toBeGreaterThan(10);
    const v1Rows = (table: string) =>
      status.notes.tables.find((t) => t.table === table)?.versions.find((v) => v.version === 1)?.rows;
    expect(v1Rows('consultations')).toBe(5);
    expect(v1Rows('consultation_addenda')).toBe(1);
    expect(v1Rows('handover_notes')).toBe(1);
    // operator3's secret, and the second factors enrolled at the sign-ins above, under v1.
    const totp = await one<{ n: number }>(
      'SELECT count(*)::int AS n FROM users WHERE totp_secret_sealed IS NOT NULL AND totp_key_version = 1',
    );
    expect(v1Rows('users')).toBe(totp?.n);
    expect(status.notes.removable).toEqual([]);
    for (const secret of [K1, K2, H1, H2]) expect(res.body).not.toContain(secret);
  }, 60_000);

  it('the worker, started with v2, re-seals every sealed column under v2: recorded and audited once', async () => {
    const env = testEnv(databaseUrl, V2_WITH_V1);
    const pendingBefore = await notAt(2);
    workers.push(await startTestWorker(databaseUrl, env));
    const run = await waitFor('a re-encryption run that succeeded', async () =>
      one<{
        id: string;
        trigger: string;
        counts: { tables: Record<string, { resealed: number }>; remaining: number };
      }>(
        `SELECT id, trigger, counts FROM maintenance_runs WHERE kind = 'reencrypt' AND status = 'succeeded'`,
      ),
    );
    expect(run.trigger).toBe('schedule');
    // Every table, checked with SQL: no text left under another version than 2.
    expect(await notAt(2)).toEqual(Object.fromEntries(Object.keys(pendingBefore).map((t) => [t, 0])));
    for (const [table, n] of Object.entries(pendingBefore))
      expect(run.counts.tables[table]?.resealed, table).toBe(n);
    expect(run.counts.remaining).toBe(0);
    // The shredded addendum stays as retention left it.
    expect(
      await one('SELECT text_ciphertext, key_version FROM consultation_addenda WHERE id = $1', [
        shreddedAddendum,
      ]),
    ).toEqual({ text_ciphertext: null, key_version: 1 });
    const audits = await db.pool.query<{ details: { status: string } }>(
      `SELECT details FROM audit_log WHERE action = 'keys.reencrypted' AND target_id = $1`,
      [run.id],
    );
    expect(audits.rows.map((a) => a.details.status)).toEqual(['succeeded']);
    // The current key alone reads everything, and it is the same text.
    const after = await readAll(k2);
    for (const [k, v] of before) expect(after.get(k)).toBe(v);
  }, 90_000);

  it('"Re-encrypt now" queues a run that the worker does (nothing left to move), audited; a second while one runs is a 409', async () => {
    const s = await serverWith(V2_WITH_V1);
    const admin = await s.as('admin');
    const started = await admin('POST', '/api/admin/keys/reencrypt', {});
    expect(started.statusCode).toBe(202);
    const runId = (started.json() as { id: number }).id;
    const done = await waitFor('the manual run', async () =>
      one<{ status: string; trigger: string; started_by: string | null; counts: { remaining: number } }>(
        `SELECT status, trigger, started_by, counts FROM maintenance_runs WHERE id = $1 AND status = 'succeeded'`,
        [runId],
      ),
    );
    expect(done.trigger).toBe('manual');
    expect(done.started_by).not.toBeNull();
    expect(done.counts.remaining).toBe(0);
    const actions = await db.pool.query<{ action: string; actor_id: string | null }>(
      `SELECT action, actor_id FROM audit_log WHERE target_type = 'maintenance_run' AND target_id = $1 ORDER BY id`,
      [String(runId)],
    );
    expect(actions.rows.map((a) => a.action)).toEqual(['keys.reencrypt_requested', 'keys.reencrypted']);
    expect(new Set(actions.rows.map((a) => a.actor_id))).toEqual(new Set([done.started_by]));

    const { rows: busy } = await db.pool.query<{ id: string }>(
      `INSERT INTO maintenance_runs (kind, trigger, status) VALUES ('reencrypt', 'schedule', 'running') RETURNING id`,
    );
    const refused = await admin('POST', '/api/admin/keys/reencrypt', {});
    expect(refused.statusCode).toBe(409);
    expect((refused.json() as { message: string }).message).toMatch(/queued or running already/);
    await db.pool.query(`DELETE FROM maintenance_runs WHERE id = $1`, [busy[0]?.id]);

    const status = (await admin('GET', '/api/admin/keys')).json() as KeyStatus;
    expect(status.notes.pending).toBe(0);
    expect(status.notes.removable).toEqual([1]);
    expect(status.runs[0]?.id).toBe(runId);
    expect(status.runs.map((r) => r.status)).toContain('succeeded');
  }, 90_000);

  it('with v1 removed from the configuration, everything still reads', async () => {
    const s3 = await serverWith(V2_ONLY);
    const supervisor = await s3.as('supervisor');
    for (const id of consultationIds) {
      const c = await supervisor('GET', `/api/consultations/${id}`);
      expect(c.statusCode).toBe(200);
      expect((c.json() as { secret: { notes: string } }).secret.notes).toBe(NOTE(id));
    }
    const night = await s3.as('supervisor-night');
    expect(JSON.stringify((await night('GET', '/api/board/handover')).json())).toContain('түн тынч өттү');
    expect(handoverId).not.toBe('');
  }, 60_000);

  it('is safe with two workers at once: each row re-sealed once, none left behind', async () => {
    // 60 consultations' notes sealed under v1 again, then two runs at once (small batches, so they interleave).
    const { rows } = await db.pool.query<{ id: string }>(
      `SELECT id FROM consultations WHERE status = 'final' ORDER BY id LIMIT 60`,
    );
    expect(rows.length).toBe(60);
    for (const r of rows)
      await db.pool.query(
        'UPDATE consultations SET notes_ciphertext = $2, notes_key_version = 1 WHERE id = $1',
        [r.id, seal(k1, r.id, JSON.stringify({ notes: NOTE(r.id), codeWord: 'алма', ifCallDrops: '' }))],
      );
    const text = (await readAll(ring)).get(`consultations:${rows[59]?.id}:notes_ciphertext`);
    expect(text).toContain(NOTE(rows[59]?.id as string));
    const [a, b] = await Promise.all([
      runReencrypt(db.pool, { key: ring, batch: 5 }),
      runReencrypt(db.pool, { key: ring, batch: 5 }),
    ]);
    const resealed = (r: typeof a) => r.counts.tables?.consultations?.resealed ?? 0;
    expect(resealed(a) + resealed(b)).toBe(rows.length);
    expect(Object.values(await notAt(2)).every((n) => n === 0)).toBe(true);
    const after = await readAll(k2);
    for (const [k, v] of before) expect(after.get(k)).toBe(v);
  }, 60_000);
});

describe('the caller HMAC key', () => {
  const N = '+996700111222';
  const M = '+996700333444';
  const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000);
  const call = async (app: App, env: Env, number: string, minutesAgo: number) => {
    const id = `rot-${randomUUID()}`;
    const res = await postEvents(app, env.TELEPHONY_SECRET, [
      callEvent(id, 'call.offered', ago(minutesAgo), { callerNumber: number }),
      callEvent(id, 'call.ended', ago(minutesAgo - 1)),
    ]);
    expect(res.statusCode).toBe(200);
    return (await one<{
      id: string;
      caller_hash: string;
      caller_hash_key_version: number;
      prior_contacts: number;
    }>('SELECT id, caller_hash, caller_hash_key_version, prior_contacts FROM calls WHERE external_id = $1', [
      id,
    ])) as { id: string; caller_hash: string; caller_hash_key_version: number; prior_contacts: number };
  };
  let a: Awaited<ReturnType<typeof call>>;
  let c: Awaited<ReturnType<typeof call>>;

  it('under v1: each call stores its hash with version 1', async () => {
    const s1 = await serverWith(V1);
    a = await call(s1.app, s1.env, N, 60);
    c = await call(s1.app, s1.env, M, 50);
    expect(a.caller_hash).toBe(callerHash(H1, N));
    expect(a.caller_hash_key_version).toBe(1);
    const events = await db.pool.query<{ v: number }>(
      'SELECT DISTINCT caller_hash_key_version AS v FROM call_events WHERE call_id = $1 AND caller_hash IS NOT NULL',
      [a.id],
    );
    expect(events.rows).toEqual([{ v: 1 }]);
  });

  it('after the change to v2, with v1 retired today, a caller of v1 is still matched as a repeat caller', async () => {
    const clock = shiftedClock();
    const s2 = await serverWith(V2_WITH_V1, clock);
    const b = await call(s2.app, s2.env, N, 10);
    expect(b.caller_hash).toBe(callerHash(H2, N));
    expect(b.caller_hash_key_version).toBe(2);
    expect(b.prior_contacts).toBe(1);
    // The earlier call now carries the current hash, so every later match (the consultation's history) finds it.
    expect(await one('SELECT caller_hash, caller_hash_key_version FROM calls WHERE id = $1', [a.id])).toEqual(
      {
        caller_hash: callerHash(H2, N),
        caller_hash_key_version: 2,
      },
    );
    const admin = await s2.as('admin');
    const status = (await admin('GET', '/api/admin/keys')).json() as KeyStatus;
    expect(status.callers.currentVersion).toBe(2);
    expect(status.callers.oldKeys).toEqual([
      {
        version: 1,
        retiredOn: TODAY,
        matchingUntil: new Date(Date.parse(TODAY) + 90 * DAY).toISOString().slice(0, 10),
        daysLeft: expect.any(Number),
        matching: true,
      },
    ]);
    expect(status.callers.oldKeys[0]?.daysLeft).toBeGreaterThan(88);
    const calls = status.callers.tables.find((t) => t.table === 'calls')?.versions ?? [];
    expect(calls.find((v) => v.version === 2)?.rows).toBeGreaterThanOrEqual(2);
    expect(calls.find((v) => v.version === 1)?.rows).toBeGreaterThanOrEqual(1);
  });

  it('91 days after v1 was retired, it no longer matches: the caller of v1 is a new caller', async () => {
    const clock = shiftedClock(91 * DAY);
    const s3 = await serverWith(V2_WITH_V1, clock);
    const d = await call(s3.app, s3.env, M, 5);
    expect(d.prior_contacts).toBe(0);
    expect(await one('SELECT caller_hash, caller_hash_key_version FROM calls WHERE id = $1', [c.id])).toEqual(
      {
        caller_hash: callerHash(H1, M),
        caller_hash_key_version: 1,
      },
    );
    const admin = await s3.as('admin');
    const status = (await admin('GET', '/api/admin/keys')).json() as KeyStatus;
    expect(status.callers.oldKeys[0]).toMatchObject({ version: 1, matching: false, daysLeft: 0 });
  });
});
