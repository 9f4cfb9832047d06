import { mkdirSync } from 'node:fs';
import {
  createTestApp,
  launchBrowser,
  signInInBrowser,
  startTestWorker,
  type TestApp,
} from '@korgon/dev/testing';
import { STATISTICS_DIMENSION_LABELS, TAXONOMY_KG_2026_1 } from '@korgon/domain';
import type { WorkerHandle } from '@korgon/worker';
import ExcelJS from 'exceljs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';

/**
 * The manager exports the table on screen as XLSX: the control shows the export's progress (pushed by the
 * worker), then a download; the file downloaded holds the table, hidden cells as the marker. The referral
 * performance and follow-up tabs export too, and the list of exports names what each holds in the console's
 * language (the dimensions by their names, not their keys).
 */
const SHOTS = process.env.KORGON_SHOTS ?? '';
if (SHOTS) mkdirSync(SHOTS, { recursive: true });

const DAY = '2026-03-10';
const RECORDS = 300;

let t: TestApp;
let worker: WorkerHandle;
let browser: Browser;

const T = TAXONOMY_KG_2026_1;
const arr = (xs: readonly string[]) => `ARRAY[${xs.map((x) => `'${x}'`).join(',')}]::text[]`;
const one = (xs: readonly string[]) => `(${arr(xs)})[1 + floor(random() * ${xs.length})::int]`;
/** A list entry's text from its start, as a pattern (its date follows). */
const startsWith = (text: string) => new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`);

beforeAll(async () => {
  t = await createTestApp({ listen: true, label: 'statistics-export-browser' });
  worker = await startTestWorker(t.databaseUrl, t.env);
  browser = await launchBrowser();
  // A day of finalized consultations over every region and age band: many small (hidden) cells.
  await t.db.pool.query(
    `INSERT INTO consultations (id, channel, operator_id, taxonomy_version, data, status, created_at, updated_at, finalized_at)
     SELECT gen_random_uuid(), 'phone', (SELECT id FROM users WHERE username = 'operator1'), 'kg-2026.1',
            jsonb_build_object('contactKind', ${one(T.contactKinds.map((x) => x.id))},
              'survivor', jsonb_build_object('region', ${one(T.regions.map((x) => x.id))},
                                             'ageBand', ${one(T.ageBands.map((x) => x.id))}),
              'consent', jsonb_build_object('statistics', 'yes')) || jsonb_build_object('n', g),
            'final', x.t, x.t, x.t
       FROM generate_series(1, ${RECORDS}) AS g,
            LATERAL (SELECT '${DAY}T10:00:00+06:00'::timestamptz + g * interval '1 minute') AS x(t)`,
  );
});
afterAll(async () => {
  await browser?.close();
  await worker?.stop();
  await t?.close();
});

async function managerPage(): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({
    locale: 'ru-RU',
    timezoneId: 'Asia/Bishkek',
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
  });
  onTestFinished(() => context.close());
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // The manager's second factor on the way (the code her app would show).
  await signInInBrowser(page, t.baseUrl, 'manager', { landing: 'Статистика' });
  return { page, errors };
}

describe('exporting from the statistics screen', () => {
  it('starts an XLSX export of region × age band, shows its progress, and downloads the file', async () => {
    const { page, errors } = await managerPage();
    await page.evaluate((hash) => {
      window.location.hash = hash;
    }, `#/statistics?tab=tables&period=custom&from=${DAY}&to=${DAY}&rows=region&cols=ageBand`);
    const screen = page.getByTestId('statistics');
    await screen.getByTestId('stat-table').waitFor();
    const hiddenOnScreen = await screen.locator('[data-testid="stat-cell"][data-suppressed="true"]').count();
    expect(hiddenOnScreen).toBeGreaterThan(0);

    const control = screen.getByTestId('stat-panel-tables').getByTestId('export-control');
    await control.getByRole('button', { name: 'Выгрузить XLSX' }).click();
    // The export's state is shown as the worker's pushes arrive: queued or running (a progress bar), then done.
    const state = control.locator('[data-state]');
    await state.waitFor();
    const seen = new Set<string>();
    await expect
      .poll(
        async () => {
          const s = (await state.getAttribute('data-state')) ?? '';
          seen.add(s);
          return s;
        },
        { timeout: 30_000 },
      )
      .toBe('done');
    expect([...seen].every((s) => ['queued', 'running', 'done'].includes(s))).toBe(true);
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/statistics-export-done.png` });

    const link = control.getByRole('link', { name: 'Скачать XLSX' });
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toBe(`korgon-table-region-x-ageBand-${DAY}_${DAY}.xlsx`);
    const path = await download.path();
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(path);
    const sheet = book.worksheets[0];
    const values: string[] = [];
    sheet?.eachRow((row) => {
      for (const v of (row.values as unknown[]).slice(1)) values.push(String(v));
    });
    // The hidden cells are the marker in the file too (as many as on screen, with the hidden totals).
    expect(values.filter((v) => v === '<10').length).toBeGreaterThanOrEqual(hiddenOnScreen);
    expect(values).not.toContain('null');

    // The export is in the list of recent exports below, downloadable there too, named by the dimensions'
    // Russian names rather than their keys.
    const list = page.getByRole('region', { name: 'Выгрузки и ежемесячные отчёты', exact: true });
    await list.getByRole('link', { name: 'Скачать XLSX' }).first().waitFor();
    const names = `${STATISTICS_DIMENSION_LABELS.region.ru} × ${STATISTICS_DIMENSION_LABELS.ageBand.ru}`;
    await list.getByRole('cell', { name: startsWith(`Таблица (${names})`) }).waitFor();
    expect(await list.textContent()).not.toContain('region × ageBand');
    expect(errors).toEqual([]);
  }, 90_000);

  it('exports referral performance and the follow-ups from their tabs, named in the list', async () => {
    const { page, errors } = await managerPage();
    const screen = page.getByTestId('statistics');
    const cases = [
      {
        tab: 'referrals',
        format: 'CSV',
        file: `korgon-referrals-organisation-${DAY}_${DAY}.csv`,
        hash: `#/statistics?tab=referrals&period=custom&from=${DAY}&to=${DAY}&rby=organisation`,
        listed: 'Работа по направлениям (Организация)',
      },
      {
        tab: 'follow-ups',
        format: 'XLSX',
        file: `korgon-follow-ups-${DAY}_${DAY}.xlsx`,
        hash: `#/statistics?tab=follow-ups&period=custom&from=${DAY}&to=${DAY}`,
        listed: 'Контрольные звонки',
      },
    ];
    for (const c of cases) {
      await page.evaluate((hash) => {
        window.location.hash = hash;
      }, c.hash);
      const control = screen.getByTestId(`stat-panel-${c.tab}`).getByTestId('export-control');
      await control.getByRole('button', { name: `Выгрузить ${c.format}` }).click();
      const link = control.getByRole('link', { name: `Скачать ${c.format}` });
      await link.waitFor({ timeout: 30_000 });
      const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
      expect(download.suggestedFilename()).toBe(c.file);
      await page
        .getByRole('region', { name: 'Выгрузки и ежемесячные отчёты', exact: true })
        .getByRole('cell', { name: startsWith(c.listed) })
        .first()
        .waitFor();
    }
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/statistics-export-follow-ups.png` });
    expect(errors).toEqual([]);
  }, 90_000);
});
