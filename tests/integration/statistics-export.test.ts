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
  type Cell,
  type ExportProgress,
  type ExportStatus,
  type FollowUpStatistics,
  type QueueStatistics,
  type ReferralStatistics,
  type StatisticsTable,
  TAXONOMY_KG_2026_1,
} from '@korgon/domain';
import { periodBounds } from '@korgon/statistics';
import type { WorkerHandle } from '@korgon/worker';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

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

/** The day whose referrals and follow-ups are made by hand: small, known counts, so some are suppressed. */
const SMALL_DAY = `${YEAR}-06-10`;

/**
 * Referrals (to every partner, in every state that no job of the worker changes) and follow-ups (already
 * raised: no job raises them again) over the year's finalized consultations; then the ones of SMALL_DAY made
 * again by hand: 12 referrals to one organisation, 4 of them failed, and 13 follow-ups due, 3 of them missed.
 */
async function generateServiceData() {
  const pool = t.db.pool;
  const { rows: ops } = await pool.query<{ id: string }>("SELECT id FROM users WHERE username = 'operator1'");
  const op = ops[0]?.id;
  const { rows: partners } = await pool.query<{ id: string }>('SELECT id FROM partner_orgs ORDER BY slug');
  const partnerIds = partners.map((p) => p.id);
  const statuses = ['delivered', 'acknowledged', 'accepted', 'rejected', 'done', 'escalated', 'failed'];
  const acknowledgedOnes = `('acknowledged', 'accepted', 'rejected', 'done')`;
  await pool.query(
    `INSERT INTO referrals (id, consultation_id, partner_org_id, urgency, status, created_by, created_at,
                            acknowledged_at, escalated_at)
     SELECT gen_random_uuid(), k.id, x.partner, 'normal', x.status::referral_status, $1, x.at,
            CASE WHEN x.status IN ${acknowledgedOnes} THEN x.at + (5 + random() * 180) * interval '1 minute' END,
            CASE WHEN x.status = 'escalated' THEN x.at + interval '4 hours' END
       FROM consultations k,
            LATERAL (SELECT ${one(partnerIds)}::uuid AS partner, ${one(statuses)} AS status,
                            k.created_at + interval '20 minutes' AS at) x
      WHERE k.status = 'final' AND random() < 0.08`,
    [op],
  );
  await pool.query(
    `INSERT INTO follow_ups (consultation_id, kind, source, state, due_at, raise_at, raised_at, closed_at,
                             created_by)
     SELECT k.id, 'callback', 'callback', x.state::follow_up_state, x.due, x.due, x.due,
            CASE WHEN x.state IN ('done', 'missed', 'cancelled')
                 THEN x.due + (10 + random() * 170) * interval '1 minute' END, $1
       FROM consultations k,
            LATERAL (SELECT ${one(['due', 'done', 'done', 'missed', 'cancelled'])} AS state,
                            k.created_at + interval '1 day' AS due) x
      WHERE k.status = 'final' AND random() < 0.1`,
    [op],
  );
  const { start, end } = periodBounds(SMALL_DAY, SMALL_DAY);
  await pool.query('DELETE FROM referrals WHERE created_at >= $1 AND created_at < $2', [start, end]);
  await pool.query('DELETE FROM follow_ups WHERE due_at >= $1 AND due_at < $2', [start, end]);
  // Counted consultations (finalized, not refused) of other days carry the small day's referrals and follow-ups.
  const { rows: counted } = await pool.query<{ id: string }>(
    `SELECT id FROM consultations k
      WHERE status = 'final' AND (data -> 'consent' ->> 'statistics') IS DISTINCT FROM 'no'
        AND NOT EXISTS (SELECT 1 FROM follow_ups f WHERE f.consultation_id = k.id)
      ORDER BY created_at LIMIT 13`,
  );
  const at = new Date(start.getTime() + 10 * 3_600_000);
  for (const [i, c] of counted.entries()) {
    if (i < 12)
      await pool.query(
        `INSERT INTO referrals (id, consultation_id, partner_org_id, urgency, status, created_by, created_at,
                                acknowledged_at)
         VALUES (gen_random_uuid(), $1, $2, 'normal', $3::referral_status, $4, $5,
                 CASE WHEN $3::text = 'done' THEN $5::timestamptz + interval '30 minutes' END)`,
        [c.id, partnerIds[0], i < 4 ? 'failed' : 'done', op, at],
      );
    await pool.query(
      `INSERT INTO follow_ups (consultation_id, kind, source, state, due_at, raise_at, raised_at, closed_at,
                               created_by)
       VALUES ($1, 'callback', 'small-day', $2::follow_up_state, $3, $3, $3, $3::timestamptz + interval '5 minutes', $4)`,
      [c.id, i < 3 ? 'missed' : 'done', at, op],
    );
  }
  await pool.query('ANALYZE referrals');
  await pool.query('ANALYZE follow_ups');
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
  return vi.waitFor(
    async () => {
      const { status, body } = await api<ExportStatus>('GET', `/api/exports/${id}`, cookie);
      expect(status).toBe(200);
      if (body.state === 'queued' || body.state === 'running')
        throw new Error(`export ${id} still ${body.state}`);
      return body;
    },
    { timeout: timeoutMs, interval: 100 },
  );
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
  await generateServiceData();
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

/** A file's first sheet (header included) and its notes, as strings: a CSV's first section, an XLSX's sheets. */
async function exportedFile(
  id: string,
  format: 'csv' | 'xlsx',
): Promise<{ rows: string[][]; notes: string }> {
  const res = await download(id);
  expect(res.statusCode).toBe(200);
  if (format === 'csv') {
    const lines = parse(res.rawPayload, { bom: true, relax_column_count: true }) as string[][];
    const blank = lines.findIndex((l) => l.every((c) => c === ''));
    return {
      rows: lines.slice(0, blank),
      notes: lines
        .slice(blank + 1)
        .flat()
        .join(' '),
    };
  }
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
  const [sheet, notes] = book.worksheets;
  const width = sheet?.getRow(1).cellCount ?? 0;
  const rows: string[][] = [];
  sheet?.eachRow((row) => {
    rows.push(
      Array.from({ length: width }, (_, i) => {
        const v = row.getCell(i + 1).value;
        return v === null || v === undefined ? '' : String(v);
      }),
    );
  });
  const text: string[] = [];
  notes?.eachRow((row) => text.push(String(row.getCell(1).value)));
  return { rows, notes: text.join(' ') };
}

/** A count as the file writes it: the marker when suppressed. */
const count = (c: Cell) => (c.suppressed ? MARKER : String(c.value));
/** A derived figure as the file writes it: the marker, empty over nothing, else rounded to a tenth. */
const derived = (c: Cell) =>
  c.suppressed ? MARKER : c.value === null ? '' : String(Math.round(c.value * 10) / 10);

async function exported(body: object): Promise<ExportStatus> {
  const created = await api<{ id: string }>('POST', '/api/exports', manager, body);
  expect(created.status).toBe(202);
  const done = await finished(created.body.id);
  expect(done.state).toBe('done');
  return done;
}

describe('referral performance and follow-up exports', () => {
  it.each([
    { by: 'region', format: 'csv', from: `${YEAR}-01-01`, to: `${YEAR}-12-31`, locale: 'en' },
    { by: 'partner_type', format: 'xlsx', from: `${YEAR}-01-01`, to: `${YEAR}-12-31`, locale: 'ky' },
    { by: 'organisation', format: 'xlsx', from: SMALL_DAY, to: SMALL_DAY, locale: 'ru' },
    { by: 'organisation', format: 'csv', from: SMALL_DAY, to: SMALL_DAY, locale: 'ru' },
  ] as const)(
    'referrals by $by ($from – $to) in $format: the file holds what GET /api/statistics/referrals publishes',
    async ({ by, format, from, to, locale }) => {
      const done = await exported({ report: 'referrals', by, from, to, format, locale });
      expect(done).toMatchObject({ report: 'referrals', params: { from, to, by, locale } });
      expect(done.fileName).toBe(`korgon-referrals-${by}-${from}_${to}.${format}`);
      const stats = (
        await api<ReferralStatistics>(
          'GET',
          `/api/statistics/referrals?from=${from}&to=${to}&by=${by}`,
          manager,
        )
      ).body;
      const { rows, notes } = await exportedFile(done.id, format);
      const [header, ...data] = rows;
      expect(header).toHaveLength(13);
      expect(data).toEqual(
        stats.groups.map((g) => [
          g.label[locale] || g.label.en,
          count(g.sent),
          count(g.acknowledged),
          derived(g.ackMedianMinutes),
          derived(g.ackP90Minutes),
          count(g.accepted),
          derived(g.acceptedShare),
          count(g.rejected),
          derived(g.rejectedShare),
          count(g.done),
          derived(g.doneShare),
          count(g.escalations),
          count(g.failures),
        ]),
      );
      expect(done.rows).toBe(stats.groups.length);
      expect(notes).toContain(`"${MARKER}"`);
      expect(notes).toContain(from);
      if (from === SMALL_DAY) {
        // The small day: 12 referrals to one organisation, 4 failed, 8 done: the 8 and the 4 are markers.
        const row = data.find((r) => r[1] === '12');
        expect(row).toEqual([
          expect.any(String),
          '12',
          MARKER,
          MARKER,
          MARKER,
          MARKER,
          MARKER,
          '0',
          '0',
          MARKER,
          MARKER,
          '0',
          MARKER,
        ]);
        expect(data.flat()).not.toContain('4');
        expect(data.flat()).not.toContain('8');
      } else {
        // A year: figures are published, times among them.
        expect(data.some((r) => /^\d+(\.\d)?$/.test(r[3] ?? ''))).toBe(true);
      }
      const { rows: audit } = await t.db.pool.query<{ action: string; details: { report: string } }>(
        `SELECT action, details FROM audit_log WHERE target_type = 'export' AND target_id = $1 ORDER BY id`,
        [done.id],
      );
      expect(audit.map((a) => [a.action, a.details.report])).toEqual([
        ['export.requested', 'referrals'],
        ['export.built', 'referrals'],
        ['export.downloaded', 'referrals'],
      ]);
    },
    60_000,
  );

  it.each([
    { format: 'csv', from: `${YEAR}-01-01`, to: `${YEAR}-12-31`, locale: 'ky' },
    { format: 'xlsx', from: SMALL_DAY, to: SMALL_DAY, locale: 'ru' },
  ] as const)(
    'follow-ups ($from – $to) in $format: the file holds what GET /api/statistics/follow-ups publishes',
    async ({ format, from, to, locale }) => {
      const done = await exported({ report: 'follow-ups', from, to, format, locale });
      expect(done.fileName).toBe(`korgon-follow-ups-${from}_${to}.${format}`);
      const stats = (
        await api<FollowUpStatistics>('GET', `/api/statistics/follow-ups?from=${from}&to=${to}`, manager)
      ).body;
      const { rows, notes } = await exportedFile(done.id, format);
      expect(rows.slice(1).map((r) => r[1])).toEqual([stats.due, stats.doneOnTime, stats.missed].map(count));
      expect(rows).toHaveLength(4);
      expect(notes).toContain(`"${MARKER}"`);
      if (from === SMALL_DAY) {
        // 13 due, 10 done on time, 3 missed: the 3 is the marker.
        expect(rows.slice(1).map((r) => r[1])).toEqual(['13', '10', MARKER]);
        expect(rows.map((r) => r[0])).toEqual([
          'Контрольные звонки',
          'Запланировано',
          'Выполнено вовремя',
          'Пропущено',
        ]);
      } else {
        expect(stats.due.value).toBeGreaterThan(1000);
      }
      const { rows: audit } = await t.db.pool.query<{ action: string }>(
        `SELECT action FROM audit_log WHERE target_type = 'export' AND target_id = $1 ORDER BY id`,
        [done.id],
      );
      expect(audit.map((a) => a.action)).toEqual(['export.requested', 'export.built', 'export.downloaded']);
    },
    60_000,
  );

  it('refuses a `by` the report does not have, and `rows` outside a table, with a 400 naming the field', async () => {
    const period = { from: `${YEAR}-03-01`, to: `${YEAR}-03-31`, format: 'csv' };
    const cases = [
      [{ report: 'referrals', by: 'week', ...period }, 'by'],
      [{ report: 'queue', by: 'region', ...period }, 'by'],
      [{ report: 'follow-ups', by: 'day', ...period }, 'by'],
      [{ report: 'referrals', rows: 'region', ...period }, 'rows'],
      [{ report: 'referrals', by: 'town', ...period }, 'by'],
    ] as const;
    for (const [body, field] of cases) {
      const res = await api<{ message: string; details?: { issues?: { path: string }[] } }>(
        'POST',
        '/api/exports',
        manager,
        body,
      );
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(JSON.stringify(res.body)).toContain(field);
    }
  });
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
    // The request's schema names every report an export can be of, and both kinds of `by`.
    const request = JSON.stringify(
      (res.json() as { components: { schemas: Record<string, unknown> } }).components.schemas.ExportRequest,
    );
    for (const word of ['referrals', 'follow-ups', 'partner_type', 'organisation', 'region', 'week'])
      expect(request).toContain(`"${word}"`);
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
