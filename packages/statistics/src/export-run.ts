import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeAudit } from '@korgon/db';
import {
  type ExportFormat,
  type ExportParams,
  type ExportProgress,
  type ExportReport,
  type ExportState,
  type Locale,
  ExportParams as ParamsSchema,
} from '@korgon/domain';
import type pg from 'pg';
import { writeExportFile } from './export-files';
import { buildReport, ExportUnavailable, monthBounds, type ReportSources } from './export-reports';

/** Where export files go when EXPORTS_DIR is not set: `<repo>/var/exports` (a production sets its own). */
export const DEFAULT_EXPORTS_DIR = fileURLToPath(new URL('../../../var/exports', import.meta.url));
export const exportsDirOf = (dir: string | undefined) => resolve(dir ?? DEFAULT_EXPORTS_DIR);

/** The monthly report's labels unless asked otherwise: Russian, the language of the Ministry's forms. */
export const MONTHLY_LOCALE: Locale = 'ru';

/** The file of an export on disk: `<id>.<format>` under the directory, never a name from a client. */
export const exportFilePath = (dir: string, id: string, format: ExportFormat) => join(dir, `${id}.${format}`);

export interface ExportRow {
  id: string;
  report: ExportReport;
  params: ExportParams;
  format: ExportFormat;
  state: ExportState;
  progress: number;
  rows: number;
  requested_by: string | null;
}

export interface RunDeps extends ReportSources {
  pool: pg.Pool;
  dir: string;
  keepDays: number;
  /** The `export:progress` push: to the requester, or for a monthly report to the managers. */
  push: (e: ExportProgress, requestedBy: string | null) => void;
  /** Least time between two progress updates (row and push); the start and the end always go. */
  progressEveryMs?: number;
}

const progressOf = (r: ExportRow): ExportProgress => ({
  id: r.id,
  report: r.report,
  state: r.state,
  progress: r.progress,
  rows: r.rows,
});

/**
 * The `export.run` job: writes the export's file and keeps its row (state, progress, rows) and the pushes up to
 * date. Idempotent: an export already done, failed or expired is left alone; a running one (its worker died,
 * Redis lost its job) is written again from the start. On its last attempt, or when the report cannot be
 * built at all, it is marked failed; otherwise the error is thrown for BullMQ to try again.
 */
export async function runExport(
  deps: RunDeps,
  exportId: string,
  attempt: { last: boolean },
): Promise<ExportRow | null> {
  const { rows } = await deps.pool.query<ExportRow>(
    `UPDATE exports SET state = 'running', progress = 0, rows = 0, started_at = now(), error = NULL
      WHERE id = $1 AND state IN ('queued', 'running')
      RETURNING id, report, params, format, state, progress, rows, requested_by`,
    [exportId],
  );
  const row = rows[0];
  if (!row) return null;
  deps.push(progressOf(row), row.requested_by);
  const params = ParamsSchema.parse(row.params);
  const locale = params.locale ?? MONTHLY_LOCALE;
  const every = deps.progressEveryMs ?? 250;
  let last = Date.now();
  try {
    const report = buildReport(deps, row.report, params, locale);
    await mkdir(deps.dir, { recursive: true });
    const path = exportFilePath(deps.dir, row.id, row.format);
    const result = await writeExportFile(path, row.format, report.sheets, {
      notes: report.notes,
      notesTitle: report.notesTitle,
      onRows: async (written, progress) => {
        if (Date.now() - last < every) return;
        last = Date.now();
        const share = Math.min(0.99, progress);
        await deps.pool.query(
          `UPDATE exports SET progress = $2, rows = $3 WHERE id = $1 AND state = 'running'`,
          [row.id, share, written],
        );
        deps.push({ ...progressOf(row), progress: share, rows: written }, row.requested_by);
      },
    });
    const fileName = `${report.fileStem}.${row.format}`;
    const client = await deps.pool.connect();
    let done: ExportRow | undefined;
    try {
      await client.query('BEGIN');
      const updated = await client.query<ExportRow>(
        `UPDATE exports SET state = 'done', progress = 1, rows = $2, size = $3, file_name = $4,
                finished_at = now(), expires_at = now() + make_interval(days => $5::int)
          WHERE id = $1 AND state = 'running'
          RETURNING id, report, params, format, state, progress, rows, requested_by`,
        [row.id, result.rows, result.size, fileName, deps.keepDays],
      );
      done = updated.rows[0];
      // Every export is audited with its filters and the rows it holds (the request was audited when made).
      if (done)
        await writeAudit(client, {
          action: 'export.built',
          actorId: row.requested_by,
          targetType: 'export',
          targetId: row.id,
          details: { report: row.report, format: row.format, params, rows: result.rows, size: result.size },
        });
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
    if (done) deps.push(progressOf(done), done.requested_by);
    return done ?? null;
  } catch (err) {
    const unrecoverable = err instanceof ExportUnavailable;
    if (!unrecoverable && !attempt.last) throw err;
    const message = unrecoverable
      ? (err as Error).message
      : 'The export could not be written; ask again later.';
    const failed = await deps.pool.query<ExportRow>(
      `UPDATE exports SET state = 'failed', error = $2, finished_at = now() WHERE id = $1 AND state = 'running'
        RETURNING id, report, params, format, state, progress, rows, requested_by`,
      [row.id, message],
    );
    const f = failed.rows[0];
    if (f) deps.push(progressOf(f), f.requested_by);
    if (unrecoverable) return f ?? null;
    throw err;
  }
}

/**
 * The retention job: removes the files of exports whose time is up (EXPORTS_KEEP_DAYS after they were
 * written). Their rows stay, as `expired`, for the record of what was exported.
 */
export async function expireExports(
  pool: Pick<pg.Pool, 'query'>,
  dir: string,
  now: Date = new Date(),
): Promise<number> {
  const { rows } = await pool.query<{ id: string; format: ExportFormat }>(
    `SELECT id, format FROM exports WHERE state = 'done' AND expires_at <= $1 ORDER BY expires_at LIMIT 1000`,
    [now],
  );
  for (const r of rows) {
    await rm(exportFilePath(dir, r.id, r.format), { force: true });
    await pool.query(`UPDATE exports SET state = 'expired' WHERE id = $1 AND state = 'done'`, [r.id]);
  }
  return rows.length;
}

/** The month before the one containing `now`, in Asia/Bishkek (the scheduler runs on the 1st at 02:00). */
export function previousMonth(now: Date): string {
  const local = new Date(now.getTime() + 6 * 3_600_000);
  const d = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth() - 1, 1));
  return d.toISOString().slice(0, 7);
}

/**
 * Makes the row of a monthly report for `month` (YYYY-MM). `requestedBy` null: the scheduler's, made once per
 * month (a second run of the scheduler finds it and makes none). Returns the id, and whether it is new.
 */
export async function createMonthlyExport(
  q: Pick<pg.Pool | pg.PoolClient, 'query'>,
  month: string,
  requestedBy: string | null,
  locale: Locale = MONTHLY_LOCALE,
): Promise<{ id: string; created: boolean }> {
  const params: ExportParams = { ...monthBounds(month), month, locale };
  if (requestedBy === null) {
    const existing = await q.query<{ id: string }>(
      `SELECT id FROM exports WHERE report = 'monthly' AND requested_by IS NULL AND params->>'month' = $1
        AND state <> 'failed' LIMIT 1`,
      [month],
    );
    if (existing.rows[0]) return { id: existing.rows[0].id, created: false };
  }
  const { rows } = await q.query<{ id: string }>(
    `INSERT INTO exports (report, params, format, requested_by) VALUES ('monthly', $1::jsonb, 'xlsx', $2) RETURNING id`,
    [JSON.stringify(params), requestedBy],
  );
  const id = rows[0]?.id;
  if (!id) throw new Error('the export row was not made');
  return { id, created: true };
}
