import { readFile } from 'node:fs/promises';
import {
  createTestApp,
  type PrivateRedis,
  signIn,
  startPrivateRedis,
  startTestWorker,
  type TestApp,
  testQueues,
} from '@korgon/dev/testing';
import { type ExportStatus, jobIds, type StatisticsTable, TAXONOMY_KG_2026_1 } from '@korgon/domain';
import { periodBounds } from '@korgon/statistics';
import type { WorkerHandle } from '@korgon/worker';
import { parse } from 'csv-parse/sync';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

/**
 * An export whose job Redis loses while it runs still finishes (docs/statistics.md "How it runs"). The server
 * and the worker run on a private redis-server of this test's own (never the shared one on 6379). An export of
 * a large table is held in the middle of its run, marked running in PostgreSQL, by a lock on a table its
 * statement reads; Redis then loses its job (FLUSHALL, or a restart with nothing kept), and the run dies with
 * its database connection, as a worker that crashed would. Only the reconciler can finish it: it finds the
 * export still running in PostgreSQL, adds its job again, and the job writes the file from the start.
 */

const YEAR = 2025;
const RECORDS = 20_000;
const K = 10;
const PREFIX = 'korgon-exportfault';
/** A table the export reads (its labels) and no job of the worker does: a lock on it holds the export alone. */
const HELD_TABLE = 'taxonomy_versions';

let redis: PrivateRedis;
let t: TestApp;
let worker: WorkerHandle;
let manager: string;

const T = TAXONOMY_KG_2026_1;
const ids = (list: readonly { id: string }[]) => list.map((o) => o.id);
const arr = (xs: readonly string[]) => `ARRAY[${xs.map((x) => `'${x}'`).join(',')}]::text[]`;
const one = (xs: readonly string[]) => `(${arr(xs)})[1 + floor(random() * ${xs.length})::int]`;

/** A year of finalized consultations with a region and forms of violence, in one statement. */
async function generate(n: number) {
  const { rows: ops } = await t.db.pool.query<{ id: string }>(
    "SELECT id FROM users WHERE username = 'operator1'",
  );
  const { rows: first } = await t.db.pool.query<{ n: number }>('SELECT reference_take($1, $2, $3) AS n', [
    'K',
    YEAR,
    n,
  ]);
  await t.db.pool.query(
    `INSERT INTO consultations (id, reference, channel, operator_id, taxonomy_version, status, data,
                                created_at, updated_at, finalized_at)
     SELECT gen_random_uuid(), reference_format('K', ${YEAR}, $3::int + g), ${one(ids(T.channels))}, $1,
            'kg-2026.1', 'final',
            jsonb_build_object(
              'survivor', jsonb_build_object('region', ${one(ids(T.regions))}),
              'violenceForms', (SELECT coalesce(jsonb_agg(DISTINCT ${one(ids(T.violenceForms))}), '[]'::jsonb)
                                  FROM generate_series(1, floor(random() * 4)::int + g * 0)),
              'consent', jsonb_build_object('statistics', 'yes')),
            t, t, t + interval '12 minutes'
       FROM generate_series(0, $4::int - 1) AS g,
            LATERAL (SELECT $2::timestamptz + random() * interval '365 days' + g * interval '0') AS x(t)`,
    [ops[0]?.id, periodBounds(`${YEAR}-01-01`, `${YEAR}-01-01`).start, first[0]?.n ?? 1, n],
  );
  await t.db.pool.query('ANALYZE consultations');
}

async function api<B>(method: 'GET' | 'POST', url: string, payload?: object) {
  const res = await t.app.inject({
    method,
    url,
    headers: { cookie: manager, 'sec-fetch-site': 'same-origin' },
    ...(payload ? { payload } : {}),
  });
  return { status: res.statusCode, body: res.json() as B };
}

async function until<V>(what: string, read: () => Promise<V>, ok: (v: V) => boolean, ms = 60_000) {
  return vi.waitFor(
    async () => {
      const v = await read();
      if (!ok(v)) throw new Error(`waited in vain for ${what}; last: ${JSON.stringify(v)}`);
      return v;
    },
    { timeout: ms, interval: 100 },
  );
}

/** The backends of this database waiting for the lock on HELD_TABLE: the export's run, held. */
async function heldBackends(): Promise<number[]> {
  const { rows } = await t.db.pool.query<{ pid: number }>(
    `SELECT l.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE NOT l.granted AND l.relation = $1::regclass AND a.datname = current_database()`,
    [HELD_TABLE],
  );
  return rows.map((r) => r.pid);
}

/** Whether the private Redis holds the export's job (not yet finished). */
async function jobHeld(id: string): Promise<boolean> {
  const queues = testQueues(t.env);
  try {
    const job = await queues.queueOf('export.run').getJob(jobIds.exportRun(id));
    return job !== undefined && job !== null;
  } finally {
    await queues.close();
  }
}

beforeAll(async () => {
  redis = await startPrivateRedis();
  t = await createTestApp({
    label: 'exportfault',
    env: { REDIS_URL: redis.url, REDIS_PREFIX: PREFIX, STATISTICS_MIN_CELL: String(K) },
  });
  worker = await startTestWorker(t.databaseUrl, t.env, { lockDurationMs: 4000 });
  await generate(RECORDS);
  manager = await signIn(t.app, 'manager');
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await t?.close();
  await redis?.stop();
});

describe.each([
  { fault: 'flushed (FLUSHALL)', lose: () => redis.flushAll() },
  { fault: 'restarted empty', lose: () => redis.kill().then(() => redis.start()) },
])('Redis $fault while an export runs', ({ lose }) => {
  it('the reconciler adds its job again and the export ends done, its file the table the API publishes', async () => {
    // Every test here runs on the private Redis, never the shared one.
    expect(t.env.REDIS_URL).toBe(redis.url);
    expect(redis.url).not.toContain(':6379');
    const from = `${YEAR}-01-01`;
    const to = `${YEAR}-12-31`;

    const holder: pg.PoolClient = await t.db.pool.connect();
    let id: string;
    let terminatedAt: Date;
    try {
      await holder.query('BEGIN');
      await holder.query(`LOCK TABLE ${HELD_TABLE} IN ACCESS EXCLUSIVE MODE`);
      const created = await api<{ id: string }>('POST', '/api/exports', {
        report: 'table',
        from,
        to,
        rows: 'region',
        cols: 'violenceForms',
        format: 'csv',
        locale: 'en',
      });
      expect(created.status).toBe(202);
      id = created.body.id;
      // The run has begun (running in PostgreSQL) and waits on the lock, in the middle of its work.
      const [pid] = await until('the export to wait on the lock', heldBackends, (p) => p.length === 1);
      const { rows } = await t.db.pool.query<{ state: string }>('SELECT state FROM exports WHERE id = $1', [
        id,
      ]);
      expect(rows[0]?.state).toBe('running');
      expect(await jobHeld(id)).toBe(true);

      // Redis loses the job while it runs; then the run dies with its connection, as a crashed worker's would.
      await lose();
      expect(await jobHeld(id)).toBe(false);
      await t.db.pool.query('SELECT pg_terminate_backend($1)', [pid]);
      terminatedAt = new Date();
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      holder.release();
    }

    // Nothing else would run it now: PostgreSQL alone says it is unfinished. The reconciler (run here, and on
    // its schedule) adds its job again.
    await until(
      'the reconciler to add the job again',
      async () => {
        await worker.reconcileNow().catch(() => undefined);
        return jobHeld(id);
      },
      (held) => held,
    );
    const done = await until(
      'the export to end',
      async () => (await api<ExportStatus>('GET', `/api/exports/${id}`)).body,
      (s) => s.state !== 'queued' && s.state !== 'running',
    );
    expect(done).toMatchObject({ state: 'done', progress: 1, report: 'table' });
    // Written by the job the reconciler added: its run began after the first one died.
    const { rows: times } = await t.db.pool.query<{ started_at: Date }>(
      'SELECT started_at FROM exports WHERE id = $1',
      [id],
    );
    expect(times[0]?.started_at.getTime()).toBeGreaterThanOrEqual(terminatedAt.getTime() - 1000);
    const { rows: audit } = await t.db.pool.query<{ action: string }>(
      `SELECT action FROM audit_log WHERE target_type = 'export' AND target_id = $1 ORDER BY id`,
      [id],
    );
    expect(audit.map((a) => a.action)).toEqual(['export.requested', 'export.built']);

    // The file is whole and holds the table the API publishes, suppressed cells as the marker.
    const table = (
      await api<StatisticsTable>(
        'GET',
        `/api/statistics/table?from=${from}&to=${to}&rows=region&cols=violenceForms`,
      )
    ).body;
    expect(table.total.value).toBe(RECORDS);
    const text = await readFile(`${t.env.EXPORTS_DIR}/${id}.csv`);
    const lines = parse(text, { bom: true, relax_column_count: true }) as string[][];
    const v = (c: { value: number | null; suppressed: boolean }) =>
      c.suppressed ? `<${K}` : String(c.value);
    const want = table.rows.map((r, i) => [
      r.label.en,
      ...(table.cells[i] ?? []).map(v),
      v(table.rowTotals[i] ?? { value: null, suppressed: true }),
    ]);
    want.push(['Total', ...table.colTotals.map(v), v(table.total)]);
    expect(lines.slice(1, want.length + 1)).toEqual(want);
    expect(done.rows).toBe(want.length);
  }, 120_000);
});
