import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { type Db, inTransaction, writeAudit } from '@korgon/db';
import {
  can,
  type ExportList,
  type ExportParams,
  type ExportProgress,
  type ExportReport,
  type ExportRequest,
  type ExportStatus,
  exportRunJob,
  type Locale,
  ExportParams as ParamsSchema,
  queuePeriodOf,
  referralsByOf,
  rooms,
  STATISTICS_DIMENSION_KEYS,
} from '@korgon/domain';
import type { SafeJobs } from '@korgon/jobs';
import { createMonthlyExport, exportFilePath, isDimensionKey } from '@korgon/statistics';
import type pg from 'pg';
import { AppError, ConflictError, NotFoundError } from '../../errors';
import type { KorgonIo } from '../../plugins/socket';
import type { SessionUser } from '../auth/repository';
import { createExportsRepository, type ExportRecord } from './repository';

export interface ExportsDeps {
  db: Db;
  pool: pg.Pool;
  jobs: SafeJobs;
  io: KorgonIo;
  /** EXPORTS_DIR, resolved: where the worker writes the files. */
  dir: string;
}

const CONTENT_TYPES = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
} as const;

/** A 400 naming the field and what it may be. */
function badField(field: string, message: string): AppError {
  return new AppError(400, 'invalid_request', message, { issues: [{ path: field, message }] });
}

function checkDimension(field: 'rows' | 'cols', key: string | undefined) {
  if (key !== undefined && !isDimensionKey(key))
    throw badField(
      field,
      `unknown dimension \`${key}\` in \`${field}\`; known: ${STATISTICS_DIMENSION_KEYS.join(', ')}.`,
    );
}

/** The monthly reports are every manager's; any other export is its requester's alone. */
const mayRead = (r: ExportRecord, user: SessionUser) =>
  r.requestedBy === user.id || (r.report === 'monthly' && can(user.role, 'statistics:publish'));

const statusOf = (r: ExportRecord): ExportStatus => ({
  id: r.id,
  report: r.report as ExportReport,
  format: r.format,
  params: ParamsSchema.parse(r.params),
  state: r.state,
  progress: r.progress,
  rows: r.rows,
  size: r.size,
  error: r.error,
  requestedBy: r.requestedBy ? { id: r.requestedBy, displayName: r.requesterName ?? '' } : null,
  createdAt: r.createdAt.toISOString(),
  finishedAt: r.finishedAt?.toISOString() ?? null,
  expiresAt: r.expiresAt?.toISOString() ?? null,
  fileName: r.fileName,
});

/**
 * Statistics exports (docs/statistics.md "Exports"): asked for here, written by the worker (`export.run`),
 * downloaded here. Every request and every download is audited with its filters; the worker audits the rows
 * written. Another user's export is a 404, like one that does not exist.
 */
export function createExportsService(d: ExportsDeps) {
  const repo = createExportsRepository(d.db);
  const queued = (id: string, report: ExportReport, userId: string) => {
    const e: ExportProgress = { id, report, state: 'queued', progress: 0, rows: 0 };
    d.io
      .to(report === 'monthly' ? [rooms.user(userId), rooms.role('manager')] : rooms.user(userId))
      .emit('export:progress', e);
  };

  async function readable(id: string, user: SessionUser): Promise<ExportRecord> {
    const r = await repo.byId(id);
    if (!r || !mayRead(r, user)) throw new NotFoundError('This export');
    return r;
  }

  return {
    async create(body: ExportRequest, user: SessionUser): Promise<{ id: string }> {
      checkDimension('rows', body.rows);
      checkDimension('cols', body.cols);
      if (body.cols !== undefined && body.cols === body.rows)
        throw badField(
          'cols',
          `\`cols\` is \`${body.cols}\` like \`rows\`: choose two different dimensions.`,
        );
      const params: ExportParams = {
        from: body.from,
        to: body.to,
        locale: body.locale ?? user.locale,
        ...(body.report === 'table' ? { rows: body.rows, ...(body.cols ? { cols: body.cols } : {}) } : {}),
        ...(body.report === 'queue' ? { by: queuePeriodOf(body.by) } : {}),
        ...(body.report === 'referrals' ? { by: referralsByOf(body.by) } : {}),
      };
      const id = await d.db.transaction(async (tx) => {
        const id = await repo.insert(tx, {
          report: body.report,
          params,
          format: body.format,
          requestedBy: user.id,
        });
        await writeAudit(tx, {
          action: 'export.requested',
          actorId: user.id,
          actorRole: user.role,
          targetType: 'export',
          targetId: id,
          details: { report: body.report, format: body.format, params },
        });
        return id;
      });
      await d.jobs.enqueue([exportRunJob(id)]);
      queued(id, body.report, user.id);
      return { id };
    },

    async monthly(month: string, locale: Locale | undefined, user: SessionUser): Promise<{ id: string }> {
      const id = await inTransaction(d.pool, async (client) => {
        const created = await createMonthlyExport(client, month, user.id, locale);
        await writeAudit(client, {
          action: 'export.requested',
          actorId: user.id,
          actorRole: user.role,
          targetType: 'export',
          targetId: created.id,
          details: { report: 'monthly', format: 'xlsx', params: { month, locale } },
        });
        return created.id;
      });
      await d.jobs.enqueue([exportRunJob(id)]);
      queued(id, 'monthly', user.id);
      return { id };
    },

    status: async (id: string, user: SessionUser): Promise<ExportStatus> =>
      statusOf(await readable(id, user)),

    async list(user: SessionUser): Promise<ExportList> {
      const rows = await repo.recent(user.id, can(user.role, 'statistics:publish'), 50);
      return { exports: rows.map(statusOf) };
    },

    /** The file, for a download (audited): its stream, name, type and size. */
    async file(id: string, user: SessionUser) {
      const r = await readable(id, user);
      if (r.state === 'expired')
        throw new AppError(
          410,
          'not_found',
          'This export’s file was removed after its keeping time; make it again.',
        );
      if (r.state !== 'done' || !r.fileName)
        throw new ConflictError(`This export is ${r.state}: its file can be downloaded once it is done.`);
      const path = exportFilePath(d.dir, r.id, r.format);
      const size = await stat(path).then(
        (s) => s.size,
        () => null,
      );
      if (size === null)
        throw new AppError(410, 'not_found', 'This export’s file is no longer there; make it again.');
      await writeAudit(d.db, {
        action: 'export.downloaded',
        actorId: user.id,
        actorRole: user.role,
        targetType: 'export',
        targetId: r.id,
        details: { report: r.report, format: r.format, params: r.params, rows: r.rows },
      });
      return {
        stream: createReadStream(path),
        fileName: r.fileName,
        contentType: CONTENT_TYPES[r.format],
        size,
      };
    },
  };
}
export type ExportsService = ReturnType<typeof createExportsService>;
