import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import type { ExportFormat } from '@korgon/domain';
import { stringify } from 'csv-stringify';
import ExcelJS from 'exceljs';

/** One value of a file's cell: a published figure, a label, or a suppression marker ("<10"). */
export type ExportValue = string | number | null;

/**
 * One sheet of an export (one table): written row by row from `rows`, which may be produced lazily (an async
 * generator reading from PostgreSQL), so nothing holds the whole file in memory.
 */
export interface ExportSheet {
  /** The sheet's name in an XLSX (≤ 31 characters, no []:*?/\), and its section title in a CSV. */
  name: string;
  /** Called when the writer reaches the sheet: a table is computed only then, one at a time. */
  load(): Promise<SheetContent>;
}

export interface SheetContent {
  header: readonly string[];
  rows: AsyncIterable<readonly ExportValue[]> | Iterable<readonly ExportValue[]>;
  /** How many rows are coming, when known (the progress within the sheet). */
  expected?: number;
}

export interface ExportFileResult {
  /** Data rows written (all sheets; headers and notes not counted). */
  rows: number;
  /** Bytes on disk. */
  size: number;
}

export interface WriteOptions {
  /** The notes printed with the data: what the marker means, what is counted, what is left out. */
  notes: readonly string[];
  /** The title of the notes (a last sheet in XLSX, a last section in CSV). */
  notesTitle: string;
  /**
   * Called every `every` rows and at the end of each sheet (the progress push): rows written so far, and the
   * share of the file done, 0..1, from the sheets done and the rows of the current one.
   */
  onRows?: (written: number, progress: number) => void | Promise<void>;
  every?: number;
}

/** The share done: whole sheets, plus the current one's rows over its expected count (a half if unknown). */
function shareDone(sheet: number, of: number, rows: number, expected: number | undefined, done: boolean) {
  const within = done ? 1 : expected ? Math.min(0.99, rows / expected) : 0.5;
  return Math.min(1, (sheet + within) / Math.max(1, of));
}

/** Excel refuses these in sheet names; and a name is at most 31 characters. */
export function sheetName(name: string, taken: Set<string>): string {
  const base =
    name
      .replace(/[[\]:*?/\\]/g, ' ')
      .trim()
      .slice(0, 31) || 'Sheet';
  let out = base;
  for (let i = 2; taken.has(out.toLowerCase()); i++) out = `${base.slice(0, 28)} ${i}`;
  taken.add(out.toLowerCase());
  return out;
}

/**
 * Writes the sheets to `path` (through `path.part`, renamed at the end, so a reader never sees half a
 * file). CSV through csv-stringify with the stream's backpressure awaited; XLSX through exceljs's streaming
 * WorkbookWriter, each row committed as it is written. A CSV file starts with a byte-order mark so that Excel
 * reads its Cyrillic labels as UTF-8; several sheets follow each other, each under its title.
 */
export async function writeExportFile(
  path: string,
  format: ExportFormat,
  sheets: readonly ExportSheet[],
  opts: WriteOptions,
): Promise<ExportFileResult> {
  const part = `${path}.part`;
  try {
    const rows = format === 'csv' ? await writeCsv(part, sheets, opts) : await writeXlsx(part, sheets, opts);
    await rename(part, path);
    const { size } = await stat(path);
    return { rows, size };
  } catch (err) {
    await rm(part, { force: true });
    throw err;
  }
}

async function writeCsv(path: string, sheets: readonly ExportSheet[], opts: WriteOptions): Promise<number> {
  const out = createWriteStream(path);
  const csv = stringify({ bom: true, cast: { number: (n) => String(n) } });
  csv.pipe(out);
  const write = async (row: readonly ExportValue[]) => {
    if (!csv.write(row.map((v) => (v === null ? '' : v)))) await once(csv, 'drain');
  };
  const every = opts.every ?? 1000;
  let total = 0;
  try {
    for (const [i, sheet] of sheets.entries()) {
      if (sheets.length > 1) {
        if (i > 0) await write([]);
        await write([sheet.name]);
      }
      const content = await sheet.load();
      await write(content.header);
      let mine = 0;
      for await (const row of content.rows) {
        await write(row);
        total++;
        mine++;
        if (total % every === 0)
          await opts.onRows?.(total, shareDone(i, sheets.length, mine, content.expected, false));
      }
      await opts.onRows?.(total, shareDone(i, sheets.length, mine, content.expected, true));
    }
    await write([]);
    await write([opts.notesTitle]);
    for (const note of opts.notes) await write([note]);
    csv.end();
    await finished(out);
  } catch (err) {
    csv.destroy();
    out.destroy();
    throw err;
  }
  return total;
}

async function writeXlsx(path: string, sheets: readonly ExportSheet[], opts: WriteOptions): Promise<number> {
  // No shared strings and no styles: both would be kept in memory until the end.
  const book = new ExcelJS.stream.xlsx.WorkbookWriter({
    filename: path,
    useSharedStrings: false,
    useStyles: false,
  });
  book.creator = 'Korgon 5200';
  const names = new Set<string>();
  const every = opts.every ?? 1000;
  let total = 0;
  for (const [i, sheet] of sheets.entries()) {
    const ws = book.addWorksheet(sheetName(sheet.name, names));
    const content = await sheet.load();
    ws.addRow([...content.header]).commit();
    let mine = 0;
    for await (const row of content.rows) {
      ws.addRow([...row]).commit();
      total++;
      mine++;
      if (total % every === 0)
        await opts.onRows?.(total, shareDone(i, sheets.length, mine, content.expected, false));
    }
    ws.commit();
    await opts.onRows?.(total, shareDone(i, sheets.length, mine, content.expected, true));
  }
  const notes = book.addWorksheet(sheetName(opts.notesTitle, names));
  for (const note of opts.notes) notes.addRow([note]).commit();
  notes.commit();
  await book.commit();
  return total;
}
