import { z } from 'zod';
import { LocalizedText } from '../i18n/locales';

/**
 * Anonymized statistics (docs/statistics.md): every figure that leaves the server has passed disclosure
 * control. A count from 1 to k−1 is never published; a suppressed figure is `{ value: null, suppressed: true }`.
 */

/** k: the smallest count published (besides 0). Configurable (STATISTICS_MIN_CELL), never below 3. */
export const DEFAULT_MIN_CELL = 10;
export const MIN_CELL_FLOOR = 3;

export const Cell = z
  .object({ value: z.number().nullable(), suppressed: z.boolean() })
  .meta({ id: 'StatisticsCell' });
export type Cell = z.infer<typeof Cell>;

export const StatisticsDimension = z
  .object({
    key: z.string(),
    label: LocalizedText,
    /** Forms of violence, services: a record counts under each of its values; totals count records. */
    multiValued: z.boolean(),
  })
  .meta({ id: 'StatisticsDimension' });
export type StatisticsDimension = z.infer<typeof StatisticsDimension>;

const day = z.iso.date({ message: 'must be a date, YYYY-MM-DD' });

export const StatisticsTableQuery = z
  .object({
    from: day.meta({ description: 'first day (inclusive), Asia/Bishkek' }),
    to: day.meta({ description: 'last day (inclusive), Asia/Bishkek' }),
    rows: z.string().min(1).meta({ description: 'a dimension key (GET /api/statistics/dimensions)' }),
    cols: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'a second dimension key; without it, one "all" column' }),
  })
  .refine((q) => q.from <= q.to, { message: '`from` must not be after `to`.', path: ['to'] });
export type StatisticsTableQuery = z.infer<typeof StatisticsTableQuery>;

export const StatisticsLabel = z.object({ key: z.string(), label: LocalizedText });

export const StatisticsTable = z
  .object({
    k: z.number().int(),
    rows: z.array(StatisticsLabel),
    cols: z.array(StatisticsLabel),
    cells: z.array(z.array(Cell)),
    rowTotals: z.array(Cell),
    colTotals: z.array(Cell),
    total: Cell,
    /** Whether the rows' / columns' dimension is multi-valued: its totals count records, not the sum of cells. */
    rowsMultiValued: z.boolean(),
    colsMultiValued: z.boolean(),
  })
  .meta({ id: 'StatisticsTable' });
export type StatisticsTable = z.infer<typeof StatisticsTable>;
