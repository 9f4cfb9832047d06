import { z } from 'zod';
import { Locale } from '../i18n/locales';
import { REFERRAL_STATISTICS_BY } from './dimensions';

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
 * - `referrals`: referral performance per partner type, organisation or region (GET /api/statistics/referrals);
 * - `follow-ups`: the follow-ups due, done on time and missed (GET /api/statistics/follow-ups);
 * - `monthly`: the Ministry's monthly report (XLSX, a sheet per standard table).
 */
export const EXPORT_REPORTS = ['table', 'queue', 'referrals', 'follow-ups', 'monthly'] as const;
export const ExportReport = z.enum(EXPORT_REPORTS);
export type ExportReport = z.infer<typeof ExportReport>;

export const QUEUE_PERIODS = ['day', 'week', 'month'] as const;
export const QueuePeriod = z.enum(QUEUE_PERIODS);
export type QueuePeriod = z.infer<typeof QueuePeriod>;

/** An export's `by`: the queue's periods, or the referral report's groupings. */
export const EXPORT_BY = [...QUEUE_PERIODS, ...REFERRAL_STATISTICS_BY] as const;
export const ExportBy = z.enum(EXPORT_BY, {
  message: `by must be one of ${EXPORT_BY.join(', ')}`,
});
export type ExportBy = z.infer<typeof ExportBy>;
const isIn = <T extends string>(list: readonly T[], v: string | undefined): v is T =>
  v !== undefined && (list as readonly string[]).includes(v);
/** The queue export's period: `by` if it is one (day by default). */
export const queuePeriodOf = (by: string | undefined): QueuePeriod => (isIn(QUEUE_PERIODS, by) ? by : 'day');
/** The referral export's grouping: `by` if it is one (partner type by default, as the API). */
export const referralsByOf = (by: string | undefined): (typeof REFERRAL_STATISTICS_BY)[number] =>
  isIn(REFERRAL_STATISTICS_BY, by) ? by : 'partner_type';

const day = z.iso.date({ message: 'must be a date, YYYY-MM-DD' });
/** Longest period an export may cover (a year and a bit: a year's report with its edges). */
export const EXPORT_MAX_DAYS = 400;

export const ExportRequest = z
  .object({
    report: z.enum(['table', 'queue', 'referrals', 'follow-ups']),
    from: day.meta({ description: 'first day (inclusive), Asia/Bishkek' }),
    to: day.meta({ description: 'last day (inclusive), Asia/Bishkek' }),
    format: ExportFormat,
    rows: z.string().min(1).optional().meta({ description: 'table: the rows’ dimension key' }),
    cols: z.string().min(1).optional().meta({ description: 'table: a second dimension key' }),
    by: ExportBy.optional().meta({
      description:
        'queue: one row per day (default), week or month; referrals: per partner_type (default), organisation or region',
    }),
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
  .refine((q) => q.report === 'table' || (q.rows === undefined && q.cols === undefined), {
    message: 'Only a table export takes `rows` and `cols`.',
    path: ['rows'],
  })
  .refine((q) => q.by === undefined || q.report !== 'queue' || isIn(QUEUE_PERIODS, q.by), {
    message: `The queue figures are by ${QUEUE_PERIODS.join(', ')}.`,
    path: ['by'],
  })
  .refine((q) => q.by === undefined || q.report !== 'referrals' || isIn(REFERRAL_STATISTICS_BY, q.by), {
    message: `Referral performance is by ${REFERRAL_STATISTICS_BY.join(', ')}.`,
    path: ['by'],
  })
  .refine((q) => q.by === undefined || q.report === 'queue' || q.report === 'referrals', {
    message: 'Only the queue and referral exports take `by`.',
    path: ['by'],
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
    by: ExportBy.optional(),
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
