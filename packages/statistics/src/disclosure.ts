import { type Cell, DEFAULT_MIN_CELL, MIN_CELL_FLOOR, type StatisticsTable } from '@korgon/domain';

/**
 * Disclosure control (docs/statistics.md "Disclosure control"): every figure that leaves the server passes here.
 *
 * - Primary suppression: a count from 1 to k−1 is never published, in cells and totals alike; 0 is.
 * - Complementary suppression: no suppressed figure can be worked out exactly from the published ones through
 *   the sums that hold in the table (rows, columns, the totals row and column, the grand total).
 * - Derived figures: shares, means and percentiles over too few records are hidden.
 *
 * Pure: no I/O, deterministic (the same counts always give the same published table).
 */

/** k as used: DEFAULT_MIN_CELL when not given (or not a number), a whole number, never below MIN_CELL_FLOOR. */
export function clampK(k?: number): number {
  if (k === undefined || !Number.isFinite(k)) return DEFAULT_MIN_CELL;
  return Math.max(MIN_CELL_FLOOR, Math.floor(k));
}

/** Raw counts of a table, before disclosure control. */
export interface CountTable {
  /** rows × cols; every row has `colTotals.length` counts. */
  cells: readonly (readonly number[])[];
  /** Records in each row. For a single-valued column dimension, the sum of the row's cells. */
  rowTotals: readonly number[];
  /** Records in each column. For a single-valued row dimension, the sum of the column's cells. */
  colTotals: readonly number[];
  /** Records in the table. */
  total: number;
  /** A record may count in several rows (forms of violence, services): column totals are not column sums. */
  rowsMultiValued: boolean;
  /** A record may count in several columns: row totals are not row sums. */
  colsMultiValued: boolean;
}

/** A StatisticsTable without its labels: what disclosure control publishes of a CountTable. */
export type ProtectedTable = Omit<StatisticsTable, 'rows' | 'cols'>;

const hidden = (): Cell => ({ value: null, suppressed: true });
const shown = (value: number): Cell => ({ value, suppressed: false });
/** A derived figure that does not exist (a share of nothing, a mean over no records): not a secret. */
const none = (): Cell => ({ value: null, suppressed: false });

/** Whether a count falls to primary suppression: 1..k−1 (k clamped). */
export function isSmallCount(count: number, k?: number): boolean {
  return count >= 1 && count < clampK(k);
}

/**
 * A count that stands alone, in no sum with other published counts: published unless it is 1..k−1. A count that
 * is part of a sum (a row of a table, offered = answered + abandoned + …) goes through protectTable instead.
 */
export function primaryCell(count: number, k?: number): Cell {
  assertCount(count, 'count');
  return isSmallCount(count, k) ? hidden() : shown(count);
}

/**
 * The counts of one dimension as a table with the one "all" column (GET /api/statistics/table without `cols`):
 * each row's cell is its total, the column's total is the records'. `total` counts records: for a multi-valued
 * dimension it is not the sum of `counts`.
 */
export function oneDimensionCounts(
  counts: readonly number[],
  total: number,
  multiValued: boolean,
): CountTable {
  return {
    cells: counts.map((c) => [c]),
    rowTotals: [...counts],
    colTotals: [total],
    total,
    rowsMultiValued: multiValued,
    colsMultiValued: false,
  };
}

/**
 * Applies disclosure control to a table of counts (k clamped with clampK). Throws when the counts are not whole
 * and non-negative, or when a sum that must hold does not (a single-valued dimension whose records are not each
 * in exactly one of its values: add an "unknown" value): the protection rests on those sums.
 */
export function protectTable(table: CountTable, k?: number): ProtectedTable {
  const kk = clampK(k);
  const grid = toGrid(table);
  const suppressed = grid.values.map((v) => isSmallCount(v, kk));
  completeSuppression(grid, suppressed);
  return fromGrid(table, grid, suppressed, kk);
}

/**
 * The table as the (R+1)×(C+1) grid of disclosure control: cells, with the row totals as column C, the column
 * totals as row R and the grand total at (R, C). Each row of the grid (the totals row included) is a line whose
 * entries sum to its last entry when the columns are single-valued; each column likewise when the rows are.
 */
export interface Grid {
  rows: number;
  cols: number;
  /** Entry (i, j) at i·(cols+1)+j; i = rows is the totals row, j = cols the totals column. */
  values: number[];
  /** Whether each grid row's sum holds (columns single-valued). */
  rowLinesHold: boolean;
  /** Whether each grid column's sum holds (rows single-valued). */
  colLinesHold: boolean;
}

export function toGrid(table: CountTable): Grid {
  const rows = table.cells.length;
  const cols = table.colTotals.length;
  if (table.rowTotals.length !== rows)
    throw new Error(`disclosure control: ${rows} rows of cells but ${table.rowTotals.length} row totals`);
  const values: number[] = [];
  table.cells.forEach((row, i) => {
    if (row.length !== cols)
      throw new Error(`disclosure control: row ${i} has ${row.length} cells, the table ${cols} columns`);
    row.forEach((c, j) => {
      assertCount(c, `cell (${i}, ${j})`);
      values.push(c);
    });
    const rt = table.rowTotals[i] as number;
    assertCount(rt, `row total ${i}`);
    values.push(rt);
  });
  table.colTotals.forEach((c, j) => {
    assertCount(c, `column total ${j}`);
    values.push(c);
  });
  assertCount(table.total, 'total');
  values.push(table.total);
  const grid: Grid = {
    rows,
    cols,
    values,
    rowLinesHold: !table.colsMultiValued,
    colLinesHold: !table.rowsMultiValued,
  };
  const at = (i: number, j: number) => values[i * (cols + 1) + j] as number;
  if (grid.rowLinesHold)
    for (let i = 0; i <= rows; i++) {
      let sum = 0;
      for (let j = 0; j < cols; j++) sum += at(i, j);
      if (sum !== at(i, cols))
        throw new Error(
          `disclosure control: the columns are single-valued, but ${i === rows ? 'the column totals sum' : `row ${i} sums`} to ${sum}, not to its total ${at(i, cols)}: every record must be in exactly one column`,
        );
    }
  if (grid.colLinesHold)
    for (let j = 0; j <= cols; j++) {
      let sum = 0;
      for (let i = 0; i < rows; i++) sum += at(i, j);
      if (sum !== at(rows, j))
        throw new Error(
          `disclosure control: the rows are single-valued, but ${j === cols ? 'the row totals sum' : `column ${j} sums`} to ${sum}, not to its total ${at(rows, j)}: every record must be in exactly one row`,
        );
    }
  return grid;
}

function fromGrid(table: CountTable, grid: Grid, suppressed: boolean[], k: number): ProtectedTable {
  const w = grid.cols + 1;
  const cell = (i: number, j: number): Cell => {
    const e = i * w + j;
    return suppressed[e] ? hidden() : shown(grid.values[e] as number);
  };
  const range = (n: number) => Array.from({ length: n }, (_, x) => x);
  return {
    k,
    cells: range(grid.rows).map((i) => range(grid.cols).map((j) => cell(i, j))),
    rowTotals: range(grid.rows).map((i) => cell(i, grid.cols)),
    colTotals: range(grid.cols).map((j) => cell(grid.rows, j)),
    total: cell(grid.rows, grid.cols),
    rowsMultiValued: table.rowsMultiValued,
    colsMultiValued: table.colsMultiValued,
  };
}

function assertCount(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new Error(`disclosure control: ${what} is ${n}, not a whole count ≥ 0`);
}

/**
 * Complementary suppression: extends `suppressed` (in place, and returns it) until no suppressed entry of the grid
 * can be worked out from the published entries through the sums that hold.
 *
 * Why a graph: make the grid's lines read "entries sum to 0" (negate the row and column totals, keep the grand
 * total). Each grid row and grid column is then a vertex, and each entry (i, j) an edge between row i and column
 * j. The suppressed entries are the unknowns; a suppressed entry is determined by the published ones exactly when
 * it is a bridge of the graph of suppressed edges (on no cycle): a cycle lets its entries move by +d/−d around it
 * with every sum kept, and the two sides of a bridge give, summed (rows +, columns −), its value. Lines whose
 * sums do not hold (a multi-valued dimension) constrain nothing: they are all merged into one free vertex, so a
 * path between two of them counts as a cycle.
 *
 * Method: while a suppressed edge is a bridge, suppress the cheapest path of published entries that closes a cycle
 * through it (Dijkstra from one end to the other; already suppressed entries cost nothing). Cheapest: fewest
 * entries that are 0 (hiding a 0 protects little: a reader often knows a combination is impossible, so it is
 * used only when no other path exists), then the smallest sum of the values hidden, then the fewest entries.
 * Suppression only grows and a cycle is never broken, so it ends, at the latest when everything is hidden.
 * The line rule of issue 12 follows: a line with exactly one suppressed entry makes that entry a bridge.
 */
export function completeSuppression(grid: Grid, suppressed: boolean[]): boolean[] {
  const w = grid.cols + 1;
  const n = grid.values.length;
  const free = grid.rows + 1 + grid.cols + 1; // the vertex of the lines that constrain nothing
  const ends: [number, number][] = [];
  for (let e = 0; e < n; e++) {
    const i = Math.floor(e / w);
    const j = e % w;
    ends.push([grid.rowLinesHold ? i : free, grid.colLinesHold ? grid.rows + 1 + j : free]);
  }
  for (;;) {
    const bridge = findBridge(ends, suppressed, free + 1);
    if (bridge === undefined) return suppressed;
    const [u, v] = ends[bridge] as [number, number];
    const path = cheapestPath(u, v, bridge, ends, grid.values, suppressed, free + 1);
    // A path always exists: the grid's graph is complete bipartite (or has parallel edges to the free vertex).
    if (path.length === 0) throw new Error('disclosure control: no complementary suppression found');
    for (const e of path) suppressed[e] = true;
  }
}

/**
 * The first suppressed edge (in grid order) that is a bridge of the graph of suppressed edges: Tarjan's low-link
 * search, by edge so that parallel edges (to the free vertex) count as cycles; linear in the graph.
 */
function findBridge(ends: [number, number][], suppressed: boolean[], vertices: number): number | undefined {
  const adjacent: [number, number][][] = Array.from({ length: vertices }, () => []);
  ends.forEach(([u, v], e) => {
    if (!suppressed[e] || u === v) return; // a loop (both lines free) is a cycle of its own
    adjacent[u]?.push([v, e]);
    adjacent[v]?.push([u, e]);
  });
  const order = new Array<number>(vertices).fill(-1);
  const low = new Array<number>(vertices).fill(0);
  let time = 0;
  let first: number | undefined;
  for (let root = 0; root < vertices; root++) {
    if (order[root] !== -1) continue;
    // Iterative depth-first search: [vertex, edge it was reached by, next neighbour to look at].
    const stack: [number, number, number][] = [[root, -1, 0]];
    order[root] = low[root] = time++;
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as [number, number, number];
      const [x, via, next] = top;
      const around = adjacent[x] as [number, number][];
      if (next < around.length) {
        top[2]++;
        const [y, e] = around[next] as [number, number];
        if (e === via) continue;
        if (order[y] === -1) {
          order[y] = low[y] = time++;
          stack.push([y, e, 0]);
        } else low[x] = Math.min(low[x] as number, order[y] as number);
      } else {
        stack.pop();
        const parent = stack[stack.length - 1];
        if (parent === undefined) continue;
        const p = parent[0];
        low[p] = Math.min(low[p] as number, low[x] as number);
        if ((low[x] as number) > (order[p] as number) && (first === undefined || via < first)) first = via;
      }
    }
  }
  return first;
}

/** Cost of a path, compared in order: zeros hidden, sum hidden, entries hidden. */
type Cost = [number, number, number];
const less = (a: Cost, b: Cost) => (a[0] !== b[0] ? a[0] < b[0] : a[1] !== b[1] ? a[1] < b[1] : a[2] < b[2]);

/** The published entries of the cheapest path from u to v not using edge `without` (Dijkstra; graphs are tiny). */
function cheapestPath(
  u: number,
  v: number,
  without: number,
  ends: [number, number][],
  values: number[],
  suppressed: boolean[],
  vertices: number,
): number[] {
  const cost: (Cost | undefined)[] = new Array(vertices).fill(undefined);
  const via: number[] = new Array(vertices).fill(-1);
  const done = new Array<boolean>(vertices).fill(false);
  cost[u] = [0, 0, 0];
  for (;;) {
    let x = -1;
    for (let y = 0; y < vertices; y++) {
      const c = cost[y];
      if (!done[y] && c !== undefined && (x < 0 || less(c, cost[x] as Cost))) x = y;
    }
    if (x < 0 || x === v) break;
    done[x] = true;
    const cx = cost[x] as Cost;
    for (let e = 0; e < ends.length; e++) {
      if (e === without) continue;
      const [a, b] = ends[e] as [number, number];
      const y = a === x ? b : b === x ? a : -1;
      if (y < 0 || y === x || done[y]) continue;
      const value = values[e] as number;
      const step: Cost = suppressed[e] ? [0, 0, 0] : [value === 0 ? 1 : 0, value, 1];
      const cy: Cost = [cx[0] + step[0], cx[1] + step[1], cx[2] + step[2]];
      const old = cost[y];
      if (old === undefined || less(cy, old)) {
        cost[y] = cy;
        via[y] = e;
      }
    }
  }
  if (cost[v] === undefined) return [];
  const path: number[] = [];
  for (let y = v; y !== u; ) {
    const e = via[y] as number;
    if (!suppressed[e]) path.push(e);
    const [a, b] = ends[e] as [number, number];
    y = a === y ? b : a;
  }
  return path;
}

// ——— Derived figures ———

/**
 * A part's share of a whole, in percent (not rounded: rounding is presentation). Hidden when either is
 * suppressed (a share of a suppressed count would give the count back); none (`value: null`, not suppressed)
 * when the whole is 0.
 */
export function sharePublished(part: Cell, whole: Cell): Cell {
  if (part.suppressed || whole.suppressed || part.value === null || whole.value === null)
    return part.suppressed || whole.suppressed ? hidden() : none();
  if (whole.value === 0) return none();
  return shown((100 * part.value) / whole.value);
}

/**
 * A figure derived from `records` records elsewhere (a mean, or a median or percentile PostgreSQL computed):
 * published only over at least k records (k clamped); none over no records.
 */
export function publishOverRecords(value: number | null, records: number, k?: number): Cell {
  assertCount(records, 'records');
  if (records === 0 || value === null) return none();
  return records < clampK(k) ? hidden() : shown(value);
}

/** The mean of a quantity summed over `count` records (a handling time, a wait): as publishOverRecords. */
export function meanPublished(sum: number, count: number, k?: number): Cell {
  assertCount(count, 'count');
  return publishOverRecords(count === 0 ? null : sum / count, count, k);
}

/**
 * The p-quantile (p from 0 to 1; 0.5 is the median) of `values`, interpolated as PostgreSQL's percentile_cont:
 * published only over at least k values (k clamped); none over no values.
 */
export function percentilePublished(values: readonly number[], p: number, k?: number): Cell {
  if (!(p >= 0 && p <= 1)) throw new Error(`percentilePublished: p is ${p}, not between 0 and 1`);
  if (values.length === 0) return none();
  if (values.length < clampK(k)) return hidden();
  const sorted = [...values].sort((a, b) => a - b);
  const at = p * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return shown(a + (b - a) * (at - lo));
}

/** Whether a cell is published (value given). */
export const isPublished = (c: Cell): c is { value: number; suppressed: false } =>
  !c.suppressed && c.value !== null;
