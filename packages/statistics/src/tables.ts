import { ALL_COLUMN, NOT_RECORDED, type StatisticsDimensionKey, type StatisticsTable } from '@korgon/domain';
import type pg from 'pg';
import {
  dimensionSql,
  dimensionValues,
  isMultiValued,
  loadReferenceData,
  type Queryable,
  type ReferenceData,
  type StatisticsValue,
} from './dimensions';
import { protectTable } from './disclosure';

/**
 * The raw counts of a statistics table, before disclosure control (docs/statistics.md, "Tables and
 * dimensions"). They never leave the server as they are: `publishTable` (service) passes them through
 * disclosure control first.
 */
export interface RawTable {
  rows: StatisticsValue[];
  cols: StatisticsValue[];
  /** cells[i][j]: records with row value i and column value j. */
  cells: number[][];
  /** Records with row value i (whatever their column value): for a multi-valued column not the sum of cells. */
  rowTotals: number[];
  colTotals: number[];
  /** Records in the table. */
  total: number;
  rowsMultiValued: boolean;
  colsMultiValued: boolean;
}

export interface TableRequest {
  /** First and last day, YYYY-MM-DD, Asia/Bishkek, inclusive. */
  from: string;
  to: string;
  rows: StatisticsDimensionKey;
  cols?: StatisticsDimensionKey;
}

/** [from 00:00, the day after `to` 00:00) in Asia/Bishkek (UTC+6 all year), as instants. */
export function periodBounds(from: string, to: string): { start: Date; end: Date } {
  const start = new Date(`${from}T00:00:00+06:00`);
  const end = new Date(new Date(`${to}T00:00:00+06:00`).getTime() + 24 * 3_600_000);
  return { start, end };
}

/**
 * What is counted: finalized consultations whose caller did not refuse statistical use (consent.statistics is
 * "no"; "yes", "not_asked" and no answer count), made (created_at) on a Bishkek day of the period. The facts
 * table holds exactly the counted records (migration 0019), so a period is a range of its days ($1, $2: the
 * first and last day, inclusive). This is the same rule over the consultations themselves, for checks.
 */
export const COUNTED = `k.status = 'final' AND k.created_at >= $1 AND k.created_at < $2
  AND (k.data -> 'consent' ->> 'statistics') IS DISTINCT FROM 'no'`;

/** The counted records of a period in statistics_facts (`f`): $1 and $2 are its first and last day. */
export const FACTS_IN_PERIOD = 'f.day >= $1::date AND f.day <= $2::date';

/**
 * One statement per table, one pass over the period's facts, grouped by cell. A multi-valued dimension is
 * unnested WITH ORDINALITY; a single-valued one is its own first (and only) value. Per cell it counts the pairs
 * (the cell), those at the record's first column value (summed over the columns: the row's records), those at
 * its first row value (summed over the rows: the column's records), and those at both firsts (summed: the
 * records). So every total counts records, never the sum of a multi-valued dimension's cells, with no
 * count(DISTINCT) and no second pass; and a plain GROUP BY runs in parallel, which GROUPING SETS does not.
 */
export function tableSql(
  rows: StatisticsDimensionKey,
  cols: StatisticsDimensionKey | undefined,
  /** `days`: $1 is a date[] of days, each counted apart (its `day` in every group), for statistics_day_cells. */
  by: 'period' | 'days' = 'period',
): string {
  const side = (key: StatisticsDimensionKey | undefined, name: 'r' | 'c') => {
    if (key === undefined) return { value: `'${ALL_COLUMN.key}'::text`, first: '1', from: '' };
    if (!isMultiValued(key)) return { value: dimensionSql(key), first: '1', from: '' };
    return {
      value: `${name}.v`,
      first: `${name}.o`,
      from: `, unnest(${dimensionSql(key)}) WITH ORDINALITY AS ${name}(v, o)`,
    };
  };
  const r = side(rows, 'r');
  const c = side(cols, 'c');
  const day = by === 'days' ? 'day::text AS day, ' : '';
  return `
    SELECT ${day}r, c, count(*)::int AS n, (count(*) FILTER (WHERE co = 1))::int AS nr,
           (count(*) FILTER (WHERE ro = 1))::int AS nc, (count(*) FILTER (WHERE ro = 1 AND co = 1))::int AS nt
      FROM (SELECT f.day, ${r.value} AS r, ${r.first} AS ro, ${c.value} AS c, ${c.first} AS co
              FROM statistics_facts f${r.from}${c.from}
             WHERE ${by === 'days' ? 'f.day = ANY($1::date[])' : FACTS_IN_PERIOD}) x
     GROUP BY ${by === 'days' ? 'day, ' : ''}r, c`;
}

/**
 * A value the reference data does not know (a record made under a taxonomy since removed, or written by
 * hand) is counted as "not recorded" for a single-valued dimension; for a multi-valued one it is left out of
 * the cells (the record still counts in the totals).
 */
function indexer(values: StatisticsValue[], multiValued: boolean): (v: string) => number {
  const at = new Map(values.map((v, i) => [v.key, i]));
  const none = at.get(NOT_RECORDED) ?? -1;
  return (v) => at.get(v) ?? (multiValued ? -1 : none);
}

/** A group of tableSql: a cell's pairs and what it adds to its row's, its column's and the whole's records. */
interface Group {
  r: string;
  c: string;
  n: number;
  nr: number;
  nc: number;
  nt: number;
}
type DayCells = [string, string, number, number, number, number][];

/**
 * The groups of a table over its period (docs/statistics.md "The day cache"). A past day's groups are kept in
 * statistics_day_cells at the day's version (the number of its statistics_day_changes rows, which every later
 * commit touching the day raises), so a year is mostly a read of 365 small rows; days missing or stale are
 * counted from the facts, one statement for all of them, and kept; today is always counted. Versions, cached
 * rows and counts are read in one REPEATABLE READ snapshot, so a row is never kept at a version newer than
 * what it counted. JIT is off: the planner cannot see how many values an array unnests to, overestimates the
 * rows and compiled for a second or more statements that run in less. A client the caller holds (perhaps in
 * a transaction of its own) counts the whole period from the facts, without the cache.
 */
async function tableGroups(q: Queryable, req: TableRequest): Promise<Group[]> {
  const cols = req.cols ?? '';
  if (!('connect' in q) || typeof q.connect !== 'function')
    return (await q.query<Group>(tableSql(req.rows, req.cols), [req.from, req.to])).rows;
  const client = await (q as pg.Pool).connect();
  let counted: { day: string; version: number; cells: DayCells }[] = [];
  const groups: Group[] = [];
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await client.query('SET LOCAL jit = off');
    // The past days of the period with their versions (today, Asia/Bishkek, and later days are not kept).
    const { rows: days } = await client.query<{ day: string; version: number; cached: DayCells | null }>(
      `SELECT d::date::text AS day, v.version, c.cells AS cached
         FROM generate_series($1::date, LEAST($2::date, (now() AT TIME ZONE 'Asia/Bishkek')::date - 1), '1 day') AS d
         CROSS JOIN LATERAL (SELECT count(*)::int AS version FROM statistics_day_changes x WHERE x.day = d::date) v
         LEFT JOIN statistics_day_cells c
           ON c.rows_key = $3 AND c.cols_key = $4 AND c.day = d::date AND c.version = v.version`,
      [req.from, req.to, req.rows, cols],
    );
    const missing = days.filter((d) => d.cached === null);
    for (const d of days)
      for (const [r, c, n, nr, nc, nt] of d.cached ?? []) groups.push({ r, c, n, nr, nc, nt });
    if (missing.length > 0) {
      const { rows: fresh } = await client.query<Group & { day: string }>(
        tableSql(req.rows, req.cols, 'days'),
        [missing.map((d) => d.day)],
      );
      const byDay = new Map<string, DayCells>(missing.map((d) => [d.day, []]));
      for (const g of fresh) {
        byDay.get(g.day)?.push([g.r, g.c, g.n, g.nr, g.nc, g.nt]);
        groups.push(g);
      }
      counted = missing.map((d) => ({ day: d.day, version: d.version, cells: byDay.get(d.day) ?? [] }));
    }
    const last = days.at(-1)?.day;
    const liveFrom = last === undefined ? req.from : nextDay(last);
    if (liveFrom <= req.to) {
      const { rows: live } = await client.query<Group>(tableSql(req.rows, req.cols), [liveFrom, req.to]);
      groups.push(...live);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    client.release();
    throw err;
  }
  try {
    // Kept for the next request. A row counted at an older version than one kept meanwhile does not replace it.
    if (counted.length > 0)
      await client.query(
        `INSERT INTO statistics_day_cells (day, rows_key, cols_key, version, cells)
         SELECT x.day::date, $1, $2, x.version, x.cells
           FROM jsonb_to_recordset($3::jsonb) AS x(day text, version int, cells jsonb)
         ON CONFLICT (rows_key, cols_key, day) DO UPDATE SET version = EXCLUDED.version, cells = EXCLUDED.cells
          WHERE statistics_day_cells.version < EXCLUDED.version`,
        [req.rows, cols, JSON.stringify(counted)],
      );
  } catch {
    // A cache that could not be written is counted again next time; the answer is right as it is.
  } finally {
    client.release();
  }
  return groups;
}

const nextDay = (day: string) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

export async function rawTable(q: Queryable, ref: ReferenceData, req: TableRequest): Promise<RawTable> {
  const period = { from: req.from, to: req.to };
  const rows = dimensionValues(req.rows, ref, period);
  const cols = req.cols ? dimensionValues(req.cols, ref, period) : [ALL_COLUMN];
  const rowsMultiValued = isMultiValued(req.rows);
  const colsMultiValued = req.cols ? isMultiValued(req.cols) : false;
  const groups = await tableGroups(q, req);
  const cells = rows.map(() => cols.map(() => 0));
  const rowTotals = rows.map(() => 0);
  const colTotals = cols.map(() => 0);
  let total = 0;
  const rowOf = indexer(rows, rowsMultiValued);
  const colOf = indexer(cols, colsMultiValued);
  // A value no version knows is in no cell of a multi-valued dimension, but its record still counts in the
  // other side's totals and in the whole (tableSql: nr, nc and nt are summed over every group).
  for (const g of groups) {
    const i = rowOf(g.r);
    const j = colOf(g.c);
    total += g.nt;
    if (i >= 0) rowTotals[i] = (rowTotals[i] as number) + g.nr;
    if (j >= 0) colTotals[j] = (colTotals[j] as number) + g.nc;
    const row = cells[i];
    if (row && j >= 0) row[j] = (row[j] as number) + g.n;
  }
  return { rows, cols, cells, rowTotals, colTotals, total, rowsMultiValued, colsMultiValued };
}

/**
 * Publishes raw counts: disclosure control (disclosure.ts) over every cell and total, then the labels. Nothing
 * of a RawTable leaves the server otherwise.
 */
export function publishTable(raw: RawTable, k: number): StatisticsTable {
  const published = protectTable(raw, k);
  return {
    ...published,
    rows: raw.rows.map(({ key, label }) => ({ key, label })),
    cols: raw.cols.map(({ key, label }) => ({ key, label })),
  };
}

/**
 * A table as GET /api/statistics/table answers it (the worker's exports use the same): reference data, raw
 * counts, disclosure control. The dimensions must be valid keys, and different (the route checks them).
 */
export async function statisticsTable(q: Queryable, req: TableRequest, k: number): Promise<StatisticsTable> {
  return publishTable(await rawTable(q, await loadReferenceData(q), req), k);
}
