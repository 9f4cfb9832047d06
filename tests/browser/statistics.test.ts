import { mkdirSync } from 'node:fs';
import { createTestApp, createTestBrowser, SOON, type TestApp, type TestBrowser } from '@korgon/dev/testing';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The statistics screen as a manager uses it: a period, region × risk level, the table with its totals and
 * its small cells marked as hidden (never as 0), the chart drawn by its own lazily loaded chunk, a refused
 * request shown with the server's words, and the same screen in Russian.
 */
const SHOTS = process.env.KORGON_SHOTS ?? '';
if (SHOTS) mkdirSync(SHOTS, { recursive: true });

let t: TestApp;
let browser: TestBrowser;

/** A month long past: no demo history reaches it, so the figures are this test's alone. */
const FROM = '2024-03-01';
const TO = '2024-03-31';
const AT = new Date('2024-03-15T06:00:00Z'); // noon in Bishkek

/** Region × risk level: some cells of 10 and more, some of 1 to 9 (to be hidden), and many zeros. */
const DATA: [region: string, level: string, count: number][] = [
  ['KG-GB', 'low', 40],
  ['KG-GB', 'medium', 30],
  ['KG-GB', 'high', 2],
  ['KG-GO', 'low', 25],
  ['KG-GO', 'medium', 20],
  ['KG-GO', 'high', 1],
  ['KG-C', 'low', 15],
  ['KG-C', 'medium', 12],
  ['KG-C', 'high', 3],
];
const TOTAL = DATA.reduce((n, [, , c]) => n + c, 0);

beforeAll(async () => {
  t = await createTestApp({ listen: true, label: 'statistics-browser' });
  // The refused request below is a 400 on purpose; the browser logs it.
  browser = await createTestBrowser(t.baseUrl, {
    viewport: { width: 1366, height: 768 },
    ignoreConsoleErrors: /status of (401|400)/,
  });
  // Finalized consultations straight in the database, each with its risk assessment (as the integration test does).
  const pool = t.db.pool;
  const { rows } = await pool.query<{ id: string }>("SELECT id FROM users WHERE username = 'operator1'");
  const op = rows[0]?.id as string;
  for (const [region, level, count] of DATA) {
    for (let i = 0; i < count; i++) {
      const id = crypto.randomUUID();
      const data = {
        contactKind: 'about_self',
        survivor: { region, gender: 'female', ageBand: '26-40' },
        violenceForms: ['physical'],
        consent: { statistics: 'yes' },
      };
      await pool.query(
        `INSERT INTO consultations (id, channel, operator_id, taxonomy_version, data, status, created_at, updated_at, finalized_at)
         VALUES ($1, 'call', $2, 'kg-2026.1', $3, 'final', $4, $4, $4::timestamptz + interval '10 minutes')`,
        [id, op, JSON.stringify(data), AT],
      );
      await pool.query(
        `INSERT INTO risk_assessments (consultation_id, methodology_id, methodology_version, answers, score,
                                       computed_level, minimum_level, result, final_level, created_by, created_at)
         VALUES ($1, 'kg-hotline-risk', '0.1', '{}', 0, $2, 'low', '{}', $2, $3, $4::timestamptz + interval '5 minutes')`,
        [id, level, op, AT],
      );
    }
  }
  // One whose caller refused statistical use: counted nowhere.
  await pool.query(
    `INSERT INTO consultations (id, channel, operator_id, taxonomy_version, data, status, created_at, updated_at, finalized_at)
     VALUES ($1, 'call', $2, 'kg-2026.1', $3, 'final', $4, $4, $4)`,
    [
      crypto.randomUUID(),
      op,
      JSON.stringify({ survivor: { region: 'KG-N' }, consent: { statistics: 'no' } }),
      AT,
    ],
  );
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

const text = async (l: ReturnType<Page['getByTestId']>) => ((await l.textContent()) ?? '').trim();

async function shot(page: Page, name: string) {
  if (!SHOTS) return;
  await page.screenshot({ path: `${SHOTS}/statistics-${name}.png` });
  await page.screenshot({ path: `${SHOTS}/statistics-${name}-full.png`, fullPage: true });
}

describe('the statistics screen', () => {
  it('crosses region × risk level for a period, marks the hidden cells, draws the chart, and speaks Russian', async () => {
    const { page, errors, scripts } = await browser.newPage();
    // The manager's own language is Russian; the area is the manager's home (her second factor on the way).
    await browser.signIn(page, 'manager', { landing: 'Статистика' });
    await page.getByRole('tab', { name: 'Таблицы' }).waitFor();
    // In Kyrgyz first.
    await page.getByTestId('language-switcher').getByRole('button', { name: 'Кыргызча' }).click();
    await page.getByRole('tab', { name: 'Таблицалар' }).waitFor();

    const screen = page.getByTestId('statistics');
    await screen.getByTestId('stat-period-kind').selectOption('custom');
    await screen.getByTestId('stat-from').fill(FROM);
    await screen.getByTestId('stat-to').fill(TO);
    await screen.getByLabel('Саптар').selectOption('region');
    await screen.getByLabel('Тилкелер').selectOption('riskLevel');

    const table = screen.getByTestId('stat-table');
    await expect.poll(() => text(table.getByTestId('stat-total')), SOON).toBe(String(TOTAL));
    // The selections are in the link.
    const hash = await page.evaluate(() => window.location.hash);
    expect(hash).toContain('rows=region');
    expect(hash).toContain('cols=riskLevel');
    expect(hash).toContain(`from=${FROM}`);

    // Columns are the risk levels in Kyrgyz; rows the regions.
    const headers = await table.getByTestId('stat-col').allTextContents();
    expect(headers).toEqual(expect.arrayContaining(['Төмөн', 'Орточо', 'Жогору']));
    const bishkek = table.locator('[data-testid="stat-row"][data-key="KG-GB"]');
    expect(await bishkek.locator('th').textContent()).toBe('Бишкек шаары');

    // Hidden cells are marked "<10" (with words for a screen reader), never shown as 0.
    const hidden = table.locator('[data-testid="stat-cell"][data-suppressed="true"]');
    expect(await hidden.count()).toBeGreaterThan(0);
    for (const cell of await hidden.all()) {
      const shown = ((await cell.textContent()) ?? '').trim();
      expect(shown).toContain('<10');
      expect(shown).not.toMatch(/^0$/);
      expect(await cell.locator('.sr-only').textContent()).toContain('10 жазуудан аз');
    }
    // Bishkek's high (2) is among them.
    const levelIndex = headers.indexOf('Жогору');
    expect(await bishkek.getByTestId('stat-cell').nth(levelIndex).getAttribute('data-suppressed')).toBe(
      'true',
    );
    // A region with no record (the refused one is not counted) is a row of published zeros.
    const naryn = table.locator('[data-testid="stat-row"][data-key="KG-N"]');
    for (const cell of await naryn.getByTestId('stat-cell').all()) {
      expect(await cell.getAttribute('data-suppressed')).toBe('false');
      expect(((await cell.textContent()) ?? '').trim()).toBe('0');
    }
    // Every published figure is 0 or at least k.
    for (const cell of await table.locator('[data-suppressed="false"]').all()) {
      const n = Number(((await cell.textContent()) ?? '').replace(/\D/g, ''));
      expect(n === 0 || n >= 10, `published ${n}`).toBe(true);
    }
    await screen.getByTestId('stat-legend').waitFor();
    expect(await text(screen.getByTestId('stat-legend'))).toContain('10 жазуудан аз');

    // The chart: its own chunk, an image with a name; hidden figures drawn as hatched boxes, not bars.
    const chart = screen.getByTestId('stat-chart');
    const svg = chart.getByTestId('stat-chart-svg');
    await svg.waitFor(SOON);
    expect(await svg.getAttribute('role')).toBe('img');
    expect(await svg.locator('title').textContent()).toContain('Аймак');
    expect(scripts.some((s) => /\/assets\/statistics-charts-[^/]+\.js$/.test(s))).toBe(true);
    expect(await chart.getByTestId('stat-bar-hidden').count()).toBe(await hidden.count());
    expect(await chart.getByTestId('stat-bar').count()).toBeGreaterThan(0);
    await page.evaluate(() => {
      (document.activeElement as HTMLElement | null)?.blur();
      window.scrollTo(0, 0);
    });
    await shot(page, 'ky');

    // A request the server refuses is shown with its words (which dimension).
    await page.evaluate(
      ([from, to]) => {
        window.location.hash = `#/statistics?tab=tables&period=custom&from=${from}&to=${to}&rows=nonsense`;
      },
      [FROM, TO],
    );
    const alert = screen.getByTestId('stat-error');
    await alert.waitFor(SOON);
    expect(await text(alert)).toContain('nonsense');
    await page.goBack();
    await expect.poll(() => text(table.getByTestId('stat-total')), SOON).toBe(String(TOTAL));

    // In Russian: the same table, the labels in Russian.
    await page.getByTestId('language-switcher').getByRole('button', { name: 'Русский' }).click();
    await page.getByRole('tab', { name: 'Таблицы' }).waitFor();
    await screen.getByLabel('Строки').waitFor();
    await expect
      .poll(() => table.getByTestId('stat-col').allTextContents(), SOON)
      .toEqual(expect.arrayContaining(['Низкий', 'Средний', 'Высокий']));
    expect(await bishkek.locator('th').textContent()).toBe('город Бишкек');
    expect(await text(screen.getByTestId('stat-legend'))).toContain('меньше 10 записей');
    expect(await text(table.getByTestId('stat-total'))).toBe(String(TOTAL));
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot(page, 'ru');

    // The other reports of the same period answer too: the queue per week, referrals, follow-ups.
    await page.getByRole('tab', { name: 'Очередь' }).click();
    await screen.getByTestId('stat-queue-by').selectOption('week');
    await screen.getByTestId('stat-queue-table').waitFor(SOON);
    // March 2024 runs over five ISO weeks (its first week begins on Monday 26 February, clipped to 1 March).
    expect(await screen.getByTestId('stat-queue-row').count()).toBe(5);
    expect(await page.evaluate(() => window.location.hash)).toContain('by=week');
    await shot(page, 'queue-ru');
    await page.getByRole('tab', { name: 'Работа по направлениям' }).click();
    await screen.getByTestId('stat-referrals-by').waitFor();
    await screen
      .locator('[data-testid="stat-referrals-table"], [data-testid="stat-empty"]')
      .first()
      .waitFor(SOON);
    await page.getByRole('tab', { name: 'Контрольные звонки' }).click();
    await screen.getByTestId('stat-follow-ups-table').waitFor(SOON);
    expect(await screen.getByTestId('stat-follow-ups-row').count()).toBe(3);
    await shot(page, 'follow-ups-ru');
    expect(await screen.getByTestId('stat-error').count()).toBe(0);

    expect(errors).toEqual([]);
  });
});
