import { ALL_COLUMN, NOT_RECORDED, type StatisticsDimensionKey, type StatisticsTable } from '@korgon/domain';
import type pg from 'pg';
import {
  dimensionJoins,
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
 * "no"; "yes", "not_asked" and no answer count), made (created_at) on a Bishkek day of the period.
 */
export const COUNTED = `k.status = 'final' AND k.created_at >= $1 AND k.created_at < $2
  AND (k.data -> 'consent' ->> 'statistics') IS DISTINCT FROM 'no'`;

/**
 * One statement per table. Single-valued dimensions: each record's row and column value, grouped by the cells,
 * the rows, the columns and the whole (GROUPING SETS, one scan). With a multi-valued dimension: each record's
 * values as arrays (each value once) computed once, then the cells, the rows, the columns and the whole counted
 * from them; a total counts records (a record is once in its array), never the sum of the cells.
 */
export function tableSql(rows: StatisticsDimensionKey, cols: StatisticsDimensionKey | undefined): string {
  const colSql = cols ? dimensionSql(cols) : `'${ALL_COLUMN.key}'::text`;
  const { ctes, joins } = dimensionJoins(cols ? [rows, cols] : [rows]);
  const from = `consultations k ${joins}`;
  const rowsMulti = isMultiValued(rows);
  const colsMulti = cols !== undefined && isMultiValued(cols);
  const with_ = ctes.length > 0 ? `WITH ${ctes.join(', ')}` : '';
  if (!rowsMulti && !colsMulti)
    return `
      ${with_}
      SELECT r, c, GROUPING(r, c)::int AS g, count(*)::int AS n
        FROM (SELECT ${dimensionSql(rows)} AS r, ${colSql} AS c FROM ${from} WHERE ${COUNTED}) x
       GROUP BY GROUPING SETS ((r, c), (r), (c), ())`;
  const asArray = (sql: string, multi: boolean) => (multi ? sql : `ARRAY[${sql}]`);
  return `
    WITH ${[...ctes, ''].join(', ')}x AS MATERIALIZED (
      SELECT ${asArray(dimensionSql(rows), rowsMulti)} AS r, ${asArray(colSql, colsMulti)} AS c
        FROM ${from} WHERE ${COUNTED}
    )
    SELECT r.v AS r, c.v AS c, 0 AS g, count(*)::int AS n FROM x, unnest(x.r) AS r(v), unnest(x.c) AS c(v) GROUP BY 1, 2
    UNION ALL SELECT r.v, NULL, 1, count(*)::int FROM x, unnest(x.r) AS r(v) GROUP BY 1
    UNION ALL SELECT NULL, c.v, 2, count(*)::int FROM x, unnest(x.c) AS c(v) GROUP BY 2
    UNION ALL SELECT NULL, NULL, 3, count(*)::int FROM x`;
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

/**
 * Runs a table's statement with JIT compilation off: the planner cannot see how many values an array unnests
 * to, overestimates the rows and compiles for a second or more a statement that runs in less (measured:
 * `pnpm bench statistics-table`). On a pool, in a transaction of its own with SET LOCAL; a client the caller
 * holds runs it as it is.
 */
async function withoutJit<T>(q: Queryable, run: (c: Queryable) => Promise<{ rows: T[] }>): Promise<T[]> {
  if (!('connect' in q) || typeof q.connect !== 'function') return (await run(q)).rows;
  const client = await (q as pg.Pool).connect();
  try {
    await client.query('BEGIN READ ONLY');
    await client.query('SET LOCAL jit = off');
    const { rows } = await run(client);
    await client.query('COMMIT');
    return rows;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

export async function rawTable(q: Queryable, ref: ReferenceData, req: TableRequest): Promise<RawTable> {
  const period = { from: req.from, to: req.to };
  const rows = dimensionValues(req.rows, ref, period);
  const cols = req.cols ? dimensionValues(req.cols, ref, period) : [ALL_COLUMN];
  const rowsMultiValued = isMultiValued(req.rows);
  const colsMultiValued = req.cols ? isMultiValued(req.cols) : false;
  const { start, end } = periodBounds(req.from, req.to);
  const groups = await withoutJit(q, (c) =>
    c.query<{ r: string | null; c: string | null; g: number; n: number }>(tableSql(req.rows, req.cols), [
      start,
      end,
    ]),
  );
  const cells = rows.map(() => cols.map(() => 0));
  const rowTotals = rows.map(() => 0);
  const colTotals = cols.map(() => 0);
  let total = 0;
  const rowOf = indexer(rows, rowsMultiValued);
  const colOf = indexer(cols, colsMultiValued);
  // GROUPING(r, c): 0 a cell, 1 a row's total (c rolled up), 2 a column's total, 3 the whole.
  for (const { r, c, g, n } of groups) {
    if (g === 3) total = n;
    else if (g === 1) {
      const i = rowOf(r as string);
      if (i >= 0) rowTotals[i] = (rowTotals[i] as number) + n;
    } else if (g === 2) {
      const j = colOf(c as string);
      if (j >= 0) colTotals[j] = (colTotals[j] as number) + n;
    } else {
      const i = rowOf(r as string);
      const j = colOf(c as string);
      const row = cells[i];
      if (row && j >= 0) row[j] = (row[j] as number) + n;
    }
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
