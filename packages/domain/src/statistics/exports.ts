import { z } from 'zod';
import { Locale } from '../i18n/locales';

/**
 * Statistics exports (docs/statistics.md "Exports"): a report written by the worker to a CSV or XLSX file,
 * every figure in it through disclosure control. `params` hold the report's filters only.
 */
export const EXPORT_FORMATS = ['csv', 'xlsx'] as const;
export const ExportFormat = z.enum(EXPORT_FORMATS);
export type ExportFormat = z.infer<typeof ExportFormat>;

/** `expired`: done, and its file removed after EXPORTS_KEEP_DAYS (the row stays for the record). */
export const EXPORT_STATES = ['queued', 'running', 'done', 'failed', 'expired'] as const;
export const ExportState = z.enum(EXPORT_STATES);
export type ExportState = z.infer<typeof ExportState>;

/**
 * - `table`: one statistics table (rows × cols), as GET /api/statistics/table publishes it;
 * - `queue`: the queue's service figures, one row per day, week or month;
 * - `monthly`: the Ministry's monthly report (XLSX, a sheet per standard table).
 */
export const EXPORT_REPORTS = ['table', 'queue', 'monthly'] as const;
export const ExportReport = z.enum(EXPORT_REPORTS);
export type ExportReport = z.infer<typeof ExportReport>;

export const QUEUE_PERIODS = ['day', 'week', 'month'] as const;
export const QueuePeriod = z.enum(QUEUE_PERIODS);
export type QueuePeriod = z.infer<typeof QueuePeriod>;

const day = z.iso.date({ message: 'must be a date, YYYY-MM-DD' });
/** Longest period an export may cover (a year and a bit: a year's report with its edges). */
export const EXPORT_MAX_DAYS = 400;

export const ExportRequest = z
  .object({
    report: z.enum(['table', 'queue']),
    from: day.meta({ description: 'first day (inclusive), Asia/Bishkek' }),
    to: day.meta({ description: 'last day (inclusive), Asia/Bishkek' }),
    format: ExportFormat,
    rows: z.string().min(1).optional().meta({ description: 'table: the rows’ dimension key' }),
    cols: z.string().min(1).optional().meta({ description: 'table: a second dimension key' }),
    by: QueuePeriod.optional().meta({ description: 'queue: one row per day (default), week or month' }),
    locale: Locale.optional().meta({ description: 'the labels’ language; the requester’s own by default' }),
  })
  .strict()
  .refine((q) => q.from <= q.to, { message: '`from` must not be after `to`.', path: ['to'] })
  .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= EXPORT_MAX_DAYS * 86_400_000, {
    message: `An export may cover at most ${EXPORT_MAX_DAYS} days.`,
    path: ['to'],
  })
  .refine((q) => q.report !== 'table' || q.rows !== undefined, {
    message: 'A table export needs `rows` (a dimension key).',
    path: ['rows'],
  })
  .meta({ id: 'ExportRequest' });
export type ExportRequest = z.infer<typeof ExportRequest>;

/** The filters an export was made with (stored, audited, shown in the list): never personal data. */
export const ExportParams = z
  .object({
    from: day,
    to: day,
    rows: z.string().optional(),
    cols: z.string().optional(),
    by: QueuePeriod.optional(),
    /** monthly: the month reported, YYYY-MM. */
    month: z.string().optional(),
    /** The labels' language in the file. */
    locale: Locale.optional(),
  })
  .meta({ id: 'ExportParams' });
export type ExportParams = z.infer<typeof ExportParams>;

export const MonthlyQuery = z
  .object({
    month: z
      .string()
      .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month, YYYY-MM')
      .meta({ description: 'the month reported, YYYY-MM (Asia/Bishkek)' }),
    locale: Locale.optional().meta({ description: 'the labels’ language; the requester’s own by default' }),
  })
  .strict();
export type MonthlyQuery = z.infer<typeof MonthlyQuery>;

export const ExportCreated = z.object({ id: z.uuid() }).meta({ id: 'ExportCreated' });

const iso = z.string();

export const ExportStatus = z
  .object({
    id: z.uuid(),
    report: ExportReport,
    format: ExportFormat,
    params: ExportParams,
    state: ExportState,
    /** 0..1 */
    progress: z.number().min(0).max(1),
    /** Data rows written (all sheets). */
    rows: z.number().int(),
    size: z.number().int().nullable(),
    /** Why it failed, for the person who asked (no data). */
    error: z.string().nullable(),
    /** Null for the monthly report built by the scheduler. */
    requestedBy: z.object({ id: z.uuid(), displayName: z.string() }).nullable(),
    createdAt: iso,
    finishedAt: iso.nullable(),
    /** When its file is removed (done exports). */
    expiresAt: iso.nullable(),
    /** The file's name as downloaded. */
    fileName: z.string().nullable(),
  })
  .meta({ id: 'ExportStatus' });
export type ExportStatus = z.infer<typeof ExportStatus>;

export const ExportList = z.object({ exports: z.array(ExportStatus) }).meta({ id: 'ExportList' });
export type ExportList = z.infer<typeof ExportList>;

export const ExportIdParams = z.object({ id: z.uuid({ message: 'must be an export id' }) });

/** The `export:progress` push (to the requester's `user:<id>` room; monthly reports to `role:manager`). */
export interface ExportProgress {
  id: string;
  report: ExportReport;
  state: ExportState;
  progress: number;
  rows: number;
}

/** The marker written in a file for a suppressed figure (1..k−1 records, or derived from such): never 0. */
export const suppressedMarker = (k: number) => `<${k}`;
