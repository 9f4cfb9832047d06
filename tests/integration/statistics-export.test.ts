import { readdir, readFile } from 'node:fs/promises';
import {
  type ConsoleSocket,
  connectConsole,
  createTestApp,
  signIn,
  startTestWorker,
  type TestApp,
  testQueues,
} from '@korgon/dev/testing';
import {
  type ExportProgress,
  type ExportStatus,
  type QueueStatistics,
  type StatisticsTable,
  TAXONOMY_KG_2026_1,
} from '@korgon/domain';
import { periodBounds } from '@korgon/statistics';
import type { WorkerHandle } from '@korgon/worker';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Statistics exports end to end (docs/statistics.md "Exports"): the server takes the request, the real worker
 * writes the file, the console's socket sees the progress, and the file read back holds what the statistics
 * API publishes, suppressed cells as the marker.
 */

const YEAR = 2025;
const RECORDS = 50_000;
const K = 10;
const MARKER = `<${K}`;

let t: TestApp;
let worker: WorkerHandle;
let manager: string;
let supervisor: string;
let socket: ConsoleSocket;
const pushes: ExportProgress[] = [];

const T = TAXONOMY_KG_2026_1;
const ids = (list: readonly { id: string }[]) => list.map((o) => o.id);
const arr = (xs: readonly string[]) =>
  `ARRAY[${xs.map((x) => `'${x.replaceAll("'", "''")}'`).join(',')}]::text[]`;
const one = (xs: readonly string[]) => `(${arr(xs)})[1 + floor(random() * ${xs.length})::int]`;
const some = (xs: readonly string[]) =>
  `(SELECT coalesce(jsonb_agg(DISTINCT ${one(xs)}), '[]'::jsonb) FROM generate_series(1, floor(random() * 4)::int + g * 0))`;

/** A year of finalized consultations (and a few drafts and refusals), made in one statement. */
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
            'kg-2026.1', CASE WHEN random() < 0.05 THEN 'draft' ELSE 'final' END::consultation_status,
            jsonb_build_object(
              'contactKind', ${one(ids(T.contactKinds))},
              'callerRole', ${one(ids(T.callerRoles))},
              'survivor', jsonb_build_object(
                'gender', ${one(ids(T.genders))}, 'ageBand', ${one(ids(T.ageBands))},
                'region', ${one(ids(T.regions))}, 'settlement', ${one(ids(T.settlements))},
                'disability', ${one(['yes', 'no', 'unknown'])}, 'language', ${one(ids(T.languages))}),
              'violenceForms', ${some(ids(T.violenceForms))},
              'perpetrator', jsonb_build_object('relation', ${one(ids(T.perpetratorRelations))}),
              'servicesGiven', ${some(ids(T.services))},
              'consent', jsonb_build_object('statistics', ${one(['yes', 'yes', 'not_asked', 'no'])})),
            t, t, t + interval '12 minutes'
       FROM generate_series(0, $4::int - 1) AS g,
            LATERAL (SELECT $2::timestamptz + random() * interval '365 days' + g * interval '0') AS x(t)`,
    [ops[0]?.id, periodBounds(`${YEAR}-01-01`, `${YEAR}-01-01`).start, first[0]?.n ?? 1, n],
  );
  await t.db.pool.query('ANALYZE consultations');
}

async function api<T>(method: 'GET' | 'POST', url: string, cookie: string, payload?: object) {
  const res = await t.app.inject({
    method,
    url,
    headers: { cookie, 'sec-fetch-site': 'same-origin' },
    ...(payload ? { payload } : {}),
  });
  return { status: res.statusCode, body: res.json() as T, raw: res };
}

/** Waits (polling the status route, as a console without its socket would) until the export is finished. */
async function finished(id: string, cookie = manager, timeoutMs = 60_000): Promise<ExportStatus> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { status, body } = await api<ExportStatus>('GET', `/api/exports/${id}`, cookie);
    expect(status).toBe(200);
    if (body.state !== 'queued' && body.state !== 'running') return body;
    if (Date.now() > until) throw new Error(`export ${id} still ${body.state}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function download(id: string, cookie = manager) {
  const res = await t.app.inject({ method: 'GET', url: `/api/exports/${id}/file`, headers: { cookie } });
  return res;
}

/** A published table as the file writes it: labels, then each cell's value or the marker. */
function expectedRows(table: StatisticsTable, locale: 'ru'): string[][] {
  const v = (c: { value: number | null; suppressed: boolean }) => (c.suppressed ? MARKER : String(c.value));
  const single = table.cols.length === 1 && table.cols[0]?.key === 'all';
  const rows = table.rows.map((r, i) => [
    r.label[locale],
    ...(table.cells[i] ?? []).map(v),
    ...(single ? [] : [v(table.rowTotals[i] ?? { value: null, suppressed: true })]),
  ]);
  rows.push(['Итого', ...table.colTotals.map(v), ...(single ? [] : [v(table.total)])]);
  return rows;
}

beforeAll(async () => {
  t = await createTestApp({ listen: true, label: 'exports', env: { STATISTICS_MIN_CELL: String(K) } });
  worker = await startTestWorker(t.databaseUrl, t.env);
  await generate(RECORDS);
  manager = await signIn(t.app, 'manager');
  supervisor = await signIn(t.app, 'supervisor');
  socket = await connectConsole(t.baseUrl, manager);
  socket.on('export:progress', (e) => pushes.push(e));
}, 120_000);

afterAll(async () => {
  socket?.disconnect();
  await worker?.stop();
  await t?.close();
});

describe('a table export', () => {
  it('over a year of 50,000 records: its CSV opens and holds the table the API publishes; audited; pushed', async () => {
    const query = `from=${YEAR}-01-01&to=${YEAR}-12-31&rows=contactKind&cols=month`;
    const created = await api<{ id: string }>('POST', '/api/exports', manager, {
      report: 'table',
      from: `${YEAR}-01-01`,
      to: `${YEAR}-12-31`,
      rows: 'contactKind',
      cols: 'month',
      format: 'csv',
      locale: 'ru',
    });
    expect(created.status).toBe(202);
    const { id } = created.body;
    const done = await finished(id);
    expect(done).toMatchObject({ state: 'done', progress: 1, report: 'table', format: 'csv' });
    expect(done.fileName).toBe(`korgon-table-contactKind-x-month-${YEAR}-01-01_${YEAR}-12-31.csv`);

    const table = (await api<StatisticsTable>('GET', `/api/statistics/table?${query}`, manager)).body;
    const res = await download(id);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="${done.fileName}"`);
    const lines = parse(res.rawPayload, { bom: true, relax_column_count: true }) as string[][];
    const [header, ...rest] = lines;
    expect(header).toEqual(['Вид обращения × Месяц', ...table.cols.map((c) => c.label.ru), 'Итого']);
    const data = rest.slice(0, table.rows.length + 1);
    expect(data).toEqual(expectedRows(table, 'ru'));
    expect(done.rows).toBe(table.rows.length + 1);
    // The notes follow the data: what the marker means is said in the file itself.
    expect(
      rest
        .slice(table.rows.length + 1)
        .flat()
        .join(' '),
    ).toContain(`"${MARKER}"`);
    // A year of records counted: the grand total is published and the records are many.
    expect(table.total.value).toBeGreaterThan(RECORDS / 2);

    // The console of the one who asked saw it queued, running and done.
    await expect
      .poll(() =>
        pushes
          .filter((p) => p.id === id)
          .map((p) => p.state)
          .at(-1),
      )
      .toBe('done');
    expect(pushes.filter((p) => p.id === id).map((p) => p.state)).toEqual(
      expect.arrayContaining(['queued', 'running', 'done']),
    );

    const { rows: audit } = await t.db.pool.query<{
      action: string;
      details: Record<string, unknown>;
      actor_id: string;
    }>(
      `SELECT action, details, actor_id FROM audit_log WHERE target_type = 'export' AND target_id = $1 ORDER BY id`,
      [id],
    );
    expect(audit.map((a) => a.action)).toEqual(['export.requested', 'export.built', 'export.downloaded']);
    expect(audit[2]?.details).toMatchObject({
      report: 'table',
      format: 'csv',
      rows: table.rows.length + 1,
      params: { from: `${YEAR}-01-01`, to: `${YEAR}-12-31`, rows: 'contactKind', cols: 'month' },
    });
    expect(new Set(audit.map((a) => a.actor_id)).size).toBe(1);
  }, 120_000);

  it('of a single day crossed finely: suppressed cells are written as the marker, never as 0; XLSX reads back', async () => {
    const day = `${YEAR}-06-10`;
    const created = await api<{ id: string }>('POST', '/api/exports', manager, {
      report: 'table',
      from: day,
      to: day,
      rows: 'region',
      cols: 'ageBand',
      format: 'xlsx',
      locale: 'ru',
    });
    expect(created.status).toBe(202);
    const done = await finished(created.body.id);
    expect(done.state).toBe('done');
    const table = (
      await api<StatisticsTable>(
        'GET',
        `/api/statistics/table?from=${day}&to=${day}&rows=region&cols=ageBand`,
        manager,
      )
    ).body;
    expect(table.cells.flat().some((c) => c.suppressed)).toBe(true);

    const res = await download(created.body.id);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe(
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const [sheet, notes] = book.worksheets;
    const values: string[][] = [];
    sheet?.eachRow((row) => {
      values.push((row.values as unknown[]).slice(1).map((v) => String(v)));
    });
    expect(values.slice(1)).toEqual(expectedRows(table, 'ru'));
    expect(values.flat()).toContain(MARKER);
    expect(notes?.name).toBe('Примечания');
  }, 60_000);

  it('is another user’s to neither see nor download (404), and a bad dimension is a 400 naming it', async () => {
    const { body } = await api<{ id: string }>('POST', '/api/exports', manager, {
      report: 'queue',
      from: `${YEAR}-03-01`,
      to: `${YEAR}-03-31`,
      format: 'csv',
    });
    await finished(body.id);
    expect((await api('GET', `/api/exports/${body.id}`, supervisor)).status).toBe(404);
    expect((await download(body.id, supervisor)).statusCode).toBe(404);
    const list = await api<{ exports: ExportStatus[] }>('GET', '/api/exports', supervisor);
    expect(list.body.exports.map((e) => e.id)).not.toContain(body.id);
    const { rows } = await t.db.pool.query(
      `SELECT 1 FROM audit_log WHERE action = 'export.downloaded' AND target_id = $1`,
      [body.id],
    );
    expect(rows).toHaveLength(0);

    const bad = await api<{ message: string }>('POST', '/api/exports', manager, {
      report: 'table',
      from: `${YEAR}-03-01`,
      to: `${YEAR}-03-31`,
      rows: 'shoeSize',
      format: 'csv',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('shoeSize');
    const operator = await signIn(t.app, 'operator1');
    expect(
      (
        await api('POST', '/api/exports', operator, {
          report: 'queue',
          from: '2025-01-01',
          to: '2025-01-02',
          format: 'csv',
        })
      ).status,
    ).toBe(403);
  }, 60_000);

  it('of the queue figures matches GET /api/statistics/queue', async () => {
    const { body } = await api<{ id: string }>('POST', '/api/exports', manager, {
      report: 'queue',
      from: `${YEAR}-01-01`,
      to: `${YEAR}-12-31`,
      by: 'month',
      format: 'csv',
      locale: 'en',
    });
    const done = await finished(body.id);
    expect(done.rows).toBe(12);
    const stats = (
      await api<QueueStatistics>(
        'GET',
        `/api/statistics/queue?from=${YEAR}-01-01&to=${YEAR}-12-31&by=month`,
        manager,
      )
    ).body;
    const lines = parse((await download(body.id)).rawPayload, {
      bom: true,
      relax_column_count: true,
    }) as string[][];
    expect(lines[0]?.[0]).toBe('Period');
    const v = (c: { value: number | null; suppressed: boolean }) => (c.suppressed ? MARKER : String(c.value));
    expect(lines.slice(1, 13).map((l) => l.slice(0, 6))).toEqual(
      stats.periods.map((p) => [
        p.from.slice(0, 7),
        v(p.offered),
        v(p.answered),
        v(p.abandoned),
        v(p.shortAbandoned),
        v(p.lost),
      ]),
    );
  }, 60_000);
});

describe('the API documentation', () => {
  it('documents the export routes in OpenAPI', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    const paths = Object.keys((res.json() as { paths: Record<string, unknown> }).paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/api/exports',
        '/api/exports/monthly',
        '/api/exports/{id}',
        '/api/exports/{id}/file',
      ]),
    );
  });
});

describe('the monthly report', () => {
  it('is one XLSX with a sheet per standard table, every manager’s to download; managers are told', async () => {
    const created = await api<{ id: string }>('POST', `/api/exports/monthly?month=${YEAR}-03`, manager);
    expect(created.status).toBe(202);
    expect((await api('POST', `/api/exports/monthly?month=${YEAR}-03`, supervisor)).status).toBe(403);
    const done = await finished(created.body.id);
    expect(done).toMatchObject({
      state: 'done',
      report: 'monthly',
      format: 'xlsx',
      fileName: `korgon-monthly-${YEAR}-03.xlsx`,
    });
    const book = new ExcelJS.Workbook();
    await book.xlsx.load((await download(created.body.id)).rawPayload as unknown as ArrayBuffer);
    expect(book.worksheets.map((w) => w.name)).toEqual([
      'Обращения — вид × месяц',
      'Пострадавшие — пол × возраст',
      'Регион',
      'Формы насилия',
      'Уровни риска',
      'Направления — партнёр × итог',
      'Инвалидность',
      'Очередь',
      'Примечания',
    ]);
    // The region sheet holds March's region table as the API publishes it.
    const table = (
      await api<StatisticsTable>(
        'GET',
        `/api/statistics/table?from=${YEAR}-03-01&to=${YEAR}-03-31&rows=region`,
        manager,
      )
    ).body;
    const region: string[][] = [];
    book
      .getWorksheet('Регион')
      ?.eachRow((row) => region.push((row.values as unknown[]).slice(1).map(String)));
    expect(region.slice(1)).toEqual(expectedRows(table, 'ru'));
    const list = await api<{ exports: ExportStatus[] }>('GET', '/api/exports', manager);
    expect(list.body.exports.map((e) => e.id)).toContain(created.body.id);
  }, 120_000);
});

describe('the monthly report’s scheduler', () => {
  it('builds last month’s report once, for every manager (pushed to the managers, in their list)', async () => {
    const queues = testQueues(t.env);
    await queues.add([{ name: 'report.monthly', data: {}, jobId: 'monthly-test-1' }]);
    await queues.add([{ name: 'report.monthly', data: {}, jobId: 'monthly-test-2' }]);
    await queues.close();
    const made = async () =>
      (
        await t.db.pool.query<{ id: string; month: string }>(
          `SELECT id, params->>'month' AS month FROM exports WHERE report = 'monthly' AND requested_by IS NULL`,
        )
      ).rows;
    await expect.poll(async () => (await made()).length, { timeout: 20_000 }).toBe(1);
    const [row] = await made();
    const id = row?.id as string;
    const done = await finished(id);
    expect(done).toMatchObject({ state: 'done', requestedBy: null, format: 'xlsx' });
    // Whatever the date: the month before today's, in Asia/Bishkek.
    const local = new Date(Date.now() + 6 * 3_600_000);
    const before = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth() - 1, 1))
      .toISOString()
      .slice(0, 7);
    expect(row?.month).toBe(before);
    // The manager did not ask for it, and was told all the same (role:manager).
    await expect.poll(() => pushes.some((p) => p.id === id && p.state === 'done')).toBe(true);
    const list = await api<{ exports: ExportStatus[] }>('GET', '/api/exports', manager);
    expect(list.body.exports.map((e) => e.id)).toContain(id);
    expect((await download(id)).statusCode).toBe(200);
    // Not a supervisor's: the monthly report is the managers'.
    expect((await api('GET', `/api/exports/${id}`, supervisor)).status).toBe(404);
  }, 60_000);
});

describe('keeping and losing', () => {
  it('the retention job removes a file whose days are over; the row stays, expired, and the download is 410', async () => {
    const { body } = await api<{ id: string }>('POST', '/api/exports', manager, {
      report: 'queue',
      from: `${YEAR}-02-01`,
      to: `${YEAR}-02-03`,
      format: 'xlsx',
    });
    await finished(body.id);
    const dir = t.env.EXPORTS_DIR as string;
    expect(await readdir(dir)).toContain(`${body.id}.xlsx`);
    await t.db.pool.query(`UPDATE exports SET expires_at = now() - interval '1 minute' WHERE id = $1`, [
      body.id,
    ]);
    const queues = testQueues(t.env);
    await queues.add([{ name: 'exports.expire', data: {}, jobId: `expire-${body.id}` }]);
    await queues.close();
    await expect
      .poll(async () => (await api<ExportStatus>('GET', `/api/exports/${body.id}`, manager)).body.state, {
        timeout: 20_000,
      })
      .toBe('expired');
    expect(await readdir(dir)).not.toContain(`${body.id}.xlsx`);
    expect((await download(body.id)).statusCode).toBe(410);
  }, 60_000);

  it('an export whose job Redis lost is written all the same (the reconciler adds its job again)', async () => {
    const { rows } = await t.db.pool.query<{ id: string; manager: string }>(
      `INSERT INTO exports (report, params, format, requested_by, created_at)
       SELECT 'queue', '{"from":"${YEAR}-04-01","to":"${YEAR}-04-02","by":"day","locale":"ky"}'::jsonb, 'csv', id,
              now() - interval '1 minute'
         FROM users WHERE username = 'manager' RETURNING id`,
    );
    const id = rows[0]?.id as string;
    await worker.reconcileNow();
    const done = await finished(id);
    expect(done.state).toBe('done');
    const text = (await readFile(`${t.env.EXPORTS_DIR}/${id}.csv`)).toString('utf8');
    expect(text).toContain('Берилген');
  }, 60_000);
});
