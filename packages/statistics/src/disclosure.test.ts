import type { Cell } from '@korgon/domain';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CountTable,
  clampK,
  completeSuppression,
  meanPublished,
  oneDimensionCounts,
  type ProtectedTable,
  percentilePublished,
  primaryCell,
  protectTable,
  publishOverRecords,
  sharePublished,
  toGrid,
} from './disclosure';

// ——— The table as a whole grid, for checking ———

/** Every entry of a published table in grid order: cells row by row with the row total last, then the totals row. */
function entries(t: ProtectedTable): Cell[] {
  return [...t.cells.flatMap((row, i) => [...row, t.rowTotals[i] as Cell]), ...t.colTotals, t.total];
}
function rawEntries(t: CountTable): number[] {
  return [...t.cells.flatMap((row, i) => [...row, t.rowTotals[i] as number]), ...t.colTotals, t.total];
}

/**
 * The sums that hold in a table, as lines of grid entries: [entries that add up, the entry they add up to]. Row
 * lines (the totals row among them) hold when the columns are single-valued; column lines when the rows are.
 */
function lines(t: CountTable): [number[], number][] {
  const rows = t.cells.length;
  const cols = t.colTotals.length;
  const id = (i: number, j: number) => i * (cols + 1) + j;
  const out: [number[], number][] = [];
  if (!t.colsMultiValued)
    for (let i = 0; i <= rows; i++) out.push([Array.from({ length: cols }, (_, j) => id(i, j)), id(i, cols)]);
  if (!t.rowsMultiValued)
    for (let j = 0; j <= cols; j++) out.push([Array.from({ length: rows }, (_, i) => id(i, j)), id(rows, j)]);
  return out;
}

const gcd = (a: bigint, b: bigint): bigint => {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
};

/**
 * The suppressed entries that the published ones give away: the unknowns are the suppressed entries, the
 * equations the sums that hold (published values moved to the constant side, which does not matter for what is
 * determined). An unknown is determined iff its unit vector lies in the row space of the coefficient matrix:
 * checked by exact, fraction-free Gauss–Jordan elimination over the integers (BigInt, rows kept primitive).
 * Independent of the graph argument protectTable rests on.
 */
function recoverable(t: CountTable, suppressed: boolean[]): number[] {
  const unknowns = suppressed.flatMap((s, e) => (s ? [e] : []));
  const index = new Map(unknowns.map((e, x) => [e, x]));
  const m: bigint[][] = [];
  for (const [parts, sum] of lines(t)) {
    const row = new Array<bigint>(unknowns.length).fill(0n);
    for (const e of parts) {
      const x = index.get(e);
      if (x !== undefined) row[x] = (row[x] as bigint) + 1n;
    }
    const x = index.get(sum);
    if (x !== undefined) row[x] = (row[x] as bigint) - 1n;
    if (row.some((v) => v !== 0n)) m.push(row);
  }
  const pivots: [number, number][] = []; // [row, column]
  let rank = 0;
  for (let c = 0; c < unknowns.length && rank < m.length; c++) {
    const r = m.findIndex((row, i) => i >= rank && row[c] !== 0n);
    if (r < 0) continue;
    [m[rank], m[r]] = [m[r] as bigint[], m[rank] as bigint[]];
    const p = m[rank] as bigint[];
    for (let q = 0; q < m.length; q++) {
      const row = m[q] as bigint[];
      if (q === rank || row[c] === 0n) continue;
      const f = row[c] as bigint;
      const pc = p[c] as bigint;
      let g = 0n;
      for (let x = 0; x < row.length; x++) {
        row[x] = (row[x] as bigint) * pc - (p[x] as bigint) * f;
        g = gcd(g, row[x] as bigint);
      }
      if (g > 1n) for (let x = 0; x < row.length; x++) row[x] = (row[x] as bigint) / g;
    }
    pivots.push([rank, c]);
    rank++;
  }
  const out: number[] = [];
  for (const [r, c] of pivots) {
    const row = m[r] as bigint[];
    if (row.every((v, x) => x === c || v === 0n)) out.push(unknowns[c] as number);
  }
  return out;
}

// ——— Random tables ———

/** Counts skewed towards the small ones, the ones disclosure control is about. */
const count = fc.oneof(
  { arbitrary: fc.constant(0), weight: 3 },
  { arbitrary: fc.integer({ min: 1, max: 15 }), weight: 5 },
  { arbitrary: fc.integer({ min: 16, max: 400 }), weight: 2 },
);

type Kind = 'single' | 'rowsMulti' | 'colsMulti' | 'bothMulti';

/**
 * A table of the given kind. Single-valued sides sum; a multi-valued side's totals count records, so they lie
 * between the largest of the line's cells and their sum (plus records with none of the values): drawn as the
 * largest cell plus some.
 */
function tableOf(kind: Kind): fc.Arbitrary<CountTable> {
  return fc
    .record({ rows: fc.integer({ min: 1, max: 8 }), cols: fc.integer({ min: 1, max: 8 }) })
    .chain(({ rows, cols }) =>
      fc.record({
        cells: fc.array(fc.array(count, { minLength: cols, maxLength: cols }), {
          minLength: rows,
          maxLength: rows,
        }),
        rowExtra: fc.array(fc.integer({ min: 0, max: 12 }), { minLength: rows, maxLength: rows }),
        colExtra: fc.array(fc.integer({ min: 0, max: 12 }), { minLength: cols, maxLength: cols }),
        totalExtra: fc.integer({ min: 0, max: 12 }),
      }),
    )
    .map(({ cells, rowExtra, colExtra, totalExtra }) => {
      const cols = (cells[0] as number[]).length;
      const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
      const col = (j: number) => cells.map((r) => r[j] as number);
      const rowsMultiValued = kind === 'rowsMulti' || kind === 'bothMulti';
      const colsMultiValued = kind === 'colsMulti' || kind === 'bothMulti';
      const rowTotals = cells.map((r, i) =>
        colsMultiValued ? Math.max(...r) + (rowExtra[i] as number) : sum(r),
      );
      const colTotals = Array.from({ length: cols }, (_, j) =>
        rowsMultiValued ? Math.max(...col(j)) + (colExtra[j] as number) : sum(col(j)),
      );
      // A single-valued side's totals line sums to the grand total; with both multi-valued, it counts records.
      const total =
        kind === 'bothMulti'
          ? Math.max(...rowTotals, ...colTotals) + totalExtra
          : rowsMultiValued
            ? sum(colTotals)
            : sum(rowTotals);
      return { cells, rowTotals, colTotals, total, rowsMultiValued, colsMultiValued };
    });
}

const anyKind = fc.oneof(
  { arbitrary: fc.constant<Kind>('single'), weight: 4 },
  { arbitrary: fc.constantFrom<Kind>('rowsMulti', 'colsMulti', 'bothMulti'), weight: 2 },
);
const anyTable = anyKind.chain(tableOf);
const k = fc.integer({ min: 3, max: 15 });
const RUNS = { numRuns: 600 };

const suppressedOf = (t: ProtectedTable) => entries(t).map((c) => c.suppressed);

describe('disclosure control, over random tables', () => {
  it('publishes no value (cell or total) from 1 to k−1', () => {
    fc.assert(
      fc.property(anyTable, k, (t, kk) => {
        const p = protectTable(t, kk);
        expect(p.k).toBe(kk);
        for (const c of entries(p)) {
          if (c.suppressed) expect(c.value).toBeNull();
          else expect(c.value === 0 || (c.value as number) >= kk).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('leaves no suppressed cell of a single-valued table recoverable from the published cells and totals', () => {
    fc.assert(
      fc.property(tableOf('single'), k, (t, kk) => {
        expect(recoverable(t, suppressedOf(protectTable(t, kk)))).toEqual([]);
      }),
      RUNS,
    );
  });

  it('leaves none recoverable through the sums that still hold beside one multi-valued dimension', () => {
    fc.assert(
      fc.property(fc.constantFrom<Kind>('rowsMulti', 'colsMulti').chain(tableOf), k, (t, kk) => {
        expect(recoverable(t, suppressedOf(protectTable(t, kk)))).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('never leaves exactly one suppressed entry in a line whose sum holds', () => {
    fc.assert(
      fc.property(anyTable, k, (t, kk) => {
        const s = suppressedOf(protectTable(t, kk));
        for (const [parts, sum] of lines(t)) {
          const n = [...parts, sum].filter((e) => s[e]).length;
          expect(n).not.toBe(1);
        }
      }),
      RUNS,
    );
  });

  it('publishes the raw values as they are, and says which dimension is multi-valued', () => {
    fc.assert(
      fc.property(anyTable, k, (t, kk) => {
        const p = protectTable(t, kk);
        const raw = rawEntries(t);
        entries(p).forEach((c, e) => {
          if (!c.suppressed) expect(c.value).toBe(raw[e]);
        });
        expect(p.cells.length).toBe(t.cells.length);
        expect(p.colTotals.length).toBe(t.colTotals.length);
        expect([p.rowsMultiValued, p.colsMultiValued]).toEqual([t.rowsMultiValued, t.colsMultiValued]);
      }),
      RUNS,
    );
  });

  it('is deterministic, and its suppression is a fixed point', () => {
    fc.assert(
      fc.property(anyTable, k, (t, kk) => {
        const p = protectTable(t, kk);
        expect(protectTable(t, kk)).toEqual(p);
        const s = suppressedOf(p);
        expect(completeSuppression(toGrid(t), [...s])).toEqual(s);
      }),
      RUNS,
    );
  });

  it('suppresses nothing when no count is small', () => {
    fc.assert(
      fc.property(anyTable, k, (t, kk) => {
        fc.pre(rawEntries(t).every((v) => v === 0 || v >= kk));
        expect(suppressedOf(protectTable(t, kk)).some(Boolean)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});

// ——— Small tables by hand ———

/** A single-valued table from its cells; totals are the sums. */
function single(cells: number[][]): CountTable {
  const cols = (cells[0] as number[]).length;
  const rowTotals = cells.map((r) => r.reduce((a, b) => a + b, 0));
  const colTotals = Array.from({ length: cols }, (_, j) => cells.reduce((a, r) => a + (r[j] as number), 0));
  return {
    cells,
    rowTotals,
    colTotals,
    total: rowTotals.reduce((a, b) => a + b, 0),
    rowsMultiValued: false,
    colsMultiValued: false,
  };
}

/** The table's shape with `x` for a suppressed figure: cells with the row total last, then the totals row. */
function shape(p: ProtectedTable): (number | 'x')[][] {
  const v = (c: Cell): number | 'x' => (c.suppressed ? 'x' : (c.value as number));
  return [
    ...p.cells.map((row, i) => [...row.map(v), v(p.rowTotals[i] as Cell)]),
    [...p.colTotals.map(v), v(p.total)],
  ];
}

describe('disclosure control, by hand', () => {
  it('hides a second cell of a row and of a column beside a small one (the cheapest cycle)', () => {
    expect(
      shape(
        protectTable(
          single([
            [3, 20],
            [15, 30],
          ]),
          10,
        ),
      ),
    ).toEqual([
      ['x', 'x', 23],
      ['x', 'x', 45],
      [18, 50, 68],
    ]);
  });

  it('in a one-dimension table, hides the next smallest row with the small one', () => {
    expect(shape(protectTable(oneDimensionCounts([3, 0, 15, 40], 58, false), 10))).toEqual([
      ['x', 'x'],
      [0, 0],
      ['x', 'x'],
      [40, 40],
      [58, 58],
    ]);
  });

  it('prefers hiding a non-zero count to hiding a 0', () => {
    expect(shape(protectTable(oneDimensionCounts([3, 0, 0, 40], 43, false), 10))).toEqual([
      ['x', 'x'],
      [0, 0],
      [0, 0],
      ['x', 'x'],
      [43, 43],
    ]);
  });

  it('gives a small total in the totals row a partner beside the grand total', () => {
    expect(
      shape(
        protectTable(
          single([
            [0, 20, 30],
            [6, 25, 40],
          ]),
          10,
        ),
      ),
    ).toEqual([
      [0, 20, 30, 50],
      ['x', 'x', 40, 71],
      ['x', 'x', 70, 121],
    ]);
  });

  it('hides everything but the zeros of a table whose total is small', () => {
    expect(
      shape(
        protectTable(
          single([
            [2, 0],
            [1, 4],
          ]),
          10,
        ),
      ),
    ).toEqual([
      ['x', 0, 'x'],
      ['x', 'x', 'x'],
      ['x', 'x', 'x'],
    ]);
  });

  it('needs no partner for a multi-valued dimension, whose totals are not sums', () => {
    // Forms of violence: a record counts under each of its forms; 50 records in all.
    expect(shape(protectTable(oneDimensionCounts([3, 15, 40], 50, true), 10))).toEqual([
      ['x', 'x'],
      [15, 15],
      [40, 40],
      [50, 50],
    ]);
    // Two multi-valued dimensions: no sum holds, only the small counts go.
    expect(
      shape(
        protectTable(
          {
            cells: [
              [3, 12],
              [20, 11],
            ],
            rowTotals: [14, 25],
            colTotals: [22, 20],
            total: 30,
            rowsMultiValued: true,
            colsMultiValued: true,
          },
          10,
        ),
      ),
    ).toEqual([
      ['x', 12, 14],
      [20, 11, 25],
      [22, 20, 30],
    ]);
  });

  it('still protects the row sums beside a multi-valued row dimension crossed with a single-valued one', () => {
    // Rows: forms of violence (multi-valued); columns: gender (single-valued). Each row sums to its total.
    const p = protectTable(
      {
        cells: [
          [3, 30],
          [20, 25],
        ],
        rowTotals: [33, 45],
        colTotals: [21, 50],
        total: 71,
        rowsMultiValued: true,
        colsMultiValued: false,
      },
      10,
    );
    expect(shape(p)).toEqual([
      ['x', 'x', 33],
      [20, 25, 45],
      [21, 50, 71],
    ]);
  });

  it('publishes a table with no small count as it is', () => {
    const t = single([
      [0, 20],
      [15, 30],
    ]);
    expect(shape(protectTable(t, 10))).toEqual([
      [0, 20, 20],
      [15, 30, 45],
      [15, 50, 65],
    ]);
  });

  it('closes a cycle through a cell that the line rule alone would leave recoverable', () => {
    // Two suppressed 2×2 blocks joined by one suppressed cell (0, 2): every line has 0, 2 or 3 suppressed entries,
    // yet (0, 2) is row 0's sum minus block A's rows… it is determined (a bridge). Completing must fix that.
    const t = single([
      [20, 21, 22, 23],
      [24, 25, 26, 27],
      [28, 29, 30, 31],
      [32, 33, 34, 35],
    ]);
    const w = 5;
    const s = new Array<boolean>(25).fill(false);
    for (const [i, j] of [
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
      [2, 2],
      [2, 3],
      [3, 2],
      [3, 3],
      [0, 2],
    ] as const)
      s[i * w + j] = true;
    expect(recoverable(t, s)).toEqual([2]);
    const done = completeSuppression(toGrid(t), [...s]);
    expect(recoverable(t, done)).toEqual([]);
    expect(done.filter(Boolean).length).toBeGreaterThan(9);
  });

  it('uses k = 10 by default and never below 3', () => {
    expect(clampK()).toBe(10);
    expect(clampK(Number.NaN)).toBe(10);
    expect(clampK(1)).toBe(3);
    expect(clampK(7.9)).toBe(7);
    expect(clampK(25)).toBe(25);
    expect(protectTable(oneDimensionCounts([2, 30], 32, false), 1).cells[0]).toEqual([
      { value: null, suppressed: true },
    ]);
    expect(protectTable(oneDimensionCounts([9, 30], 39, false)).k).toBe(10);
    expect(primaryCell(9)).toEqual({ value: null, suppressed: true });
    expect(primaryCell(0)).toEqual({ value: 0, suppressed: false });
    expect(primaryCell(3, 3)).toEqual({ value: 3, suppressed: false });
  });

  it('refuses counts whose sums do not hold, or that are not counts', () => {
    const bad = { ...single([[12, 14]]), rowTotals: [25] };
    expect(() => protectTable(bad)).toThrow(/row 0 sums to 26, not to its total 25/);
    expect(() => protectTable(single([[1.5, 14]]))).toThrow(/cell \(0, 0\) is 1.5/);
    expect(() => protectTable({ ...single([[12]]), rowTotals: [] })).toThrow(/1 rows of cells but 0/);
  });
});

describe('derived figures', () => {
  const cell = (value: number): Cell => ({ value, suppressed: false });
  const hidden: Cell = { value: null, suppressed: true };

  it('hide a share of a suppressed count, or of a suppressed whole', () => {
    expect(sharePublished(cell(25), cell(200))).toEqual(cell(12.5));
    expect(sharePublished(hidden, cell(200))).toEqual(hidden);
    expect(sharePublished(cell(25), hidden)).toEqual(hidden);
    expect(sharePublished(cell(0), cell(0))).toEqual({ value: null, suppressed: false });
  });

  it('show a mean only over at least k records', () => {
    expect(meanPublished(300, 10, 10)).toEqual(cell(30));
    expect(meanPublished(300, 9, 10)).toEqual(hidden);
    expect(meanPublished(0, 0, 10)).toEqual({ value: null, suppressed: false });
    expect(meanPublished(20, 4, 1)).toEqual(cell(5)); // k clamped to 3
    expect(publishOverRecords(42, 2)).toEqual(hidden);
    expect(publishOverRecords(42, 10)).toEqual(cell(42));
  });

  it('show a median or percentile only over at least k records, as percentile_cont', () => {
    const ten = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1];
    expect(percentilePublished(ten, 0.5, 10)).toEqual(cell(5.5));
    expect(percentilePublished(ten, 0.9, 10).value).toBeCloseTo(9.1, 10);
    expect(percentilePublished(ten, 0, 10)).toEqual(cell(1));
    expect(percentilePublished(ten, 1, 10)).toEqual(cell(10));
    expect(percentilePublished(ten.slice(1), 0.5, 10)).toEqual(hidden);
    expect(percentilePublished([], 0.5, 10)).toEqual({ value: null, suppressed: false });
    expect(() => percentilePublished(ten, 50)).toThrow(/between 0 and 1/);
  });

  it('never show a percentile over fewer than k values, over random samples', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10_000 }), { maxLength: 30 }), k, (xs, kk) => {
        const c = percentilePublished(xs, 0.5, kk);
        if (xs.length > 0 && xs.length < kk) expect(c).toEqual(hidden);
        if (xs.length >= kk) {
          expect(c.suppressed).toBe(false);
          expect(c.value).toBeGreaterThanOrEqual(Math.min(...xs));
          expect(c.value).toBeLessThanOrEqual(Math.max(...xs));
        }
      }),
      { numRuns: 300 },
    );
  });
});
