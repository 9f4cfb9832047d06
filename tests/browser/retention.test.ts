import {
  createTestApp,
  createTestBrowser,
  SOON,
  signIn,
  type TestApp,
  type TestBrowser,
} from '@korgon/dev/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Issue 13's retention tab (Administration → Retention), as the administrator (English), at 1366×768: a period
 * shortened after a confirm, a "Run now" queued, a legal hold placed by reference and lifted with a reason.
 */

let t: TestApp;
let browser: TestBrowser;
let reference: string;

beforeAll(async () => {
  t = await createTestApp({ listen: true, label: 'browser-retention' });
  const cookie = await signIn(t.app, 'operator1');
  const id = crypto.randomUUID();
  const headers = { cookie, origin: t.baseUrl };
  const save = await t.app.inject({
    method: 'PUT',
    url: `/api/consultations/${id}`,
    headers,
    payload: {
      baseRevision: 0,
      channel: 'call',
      data: { contactKind: 'info_only' },
      secret: { notes: 'n', codeWord: '', ifCallDrops: '' },
    },
  });
  expect(save.statusCode).toBe(201);
  reference = save.json().reference ?? '';
  if (!reference)
    reference =
      (
        await t.db.pool.query<{ reference: string }>('SELECT reference FROM consultations WHERE id = $1', [
          id,
        ])
      ).rows[0]?.reference ?? '';
  browser = await createTestBrowser(t.baseUrl, { viewport: { width: 1366, height: 768 } });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

const setting = async (key: string) =>
  (await t.db.pool.query<{ value: number }>('SELECT value FROM system_settings WHERE key = $1', [key]))
    .rows[0]?.value;

const legalHold = async (ref: string) =>
  (
    await t.db.pool.query<{ legal_hold: boolean }>(
      'SELECT legal_hold FROM consultations WHERE reference = $1',
      [ref],
    )
  ).rows[0]?.legal_hold;

describe('the retention tab', () => {
  it('shortens a period after a confirm, queues a run, and places and lifts a legal hold', async () => {
    const { page, errors } = await browser.newPage();
    await browser.signIn(page, 'admin');
    await page.goto(`${t.baseUrl}/#/admin?tab=retention`);
    const panel = page.getByRole('region', { name: 'Retention of free text', exact: true });
    await panel.getByRole('heading', { name: 'Retention of free text' }).waitFor();

    // The periods, with their meaning; shortening one asks first.
    const days = panel.getByLabel('Free text of consultations, in days');
    await expect.poll(() => days.inputValue(), SOON).toBe('365');
    await days.fill('10');
    await panel.getByRole('button', { name: 'Save the periods' }).click();
    expect(await panel.getByText('Enter a whole number of days from 30 to 3650.').count()).toBe(1);
    await days.fill('200');
    await panel.getByRole('button', { name: 'Save the periods' }).click();
    const confirm = page.getByTestId('retention-shorten-confirm');
    await confirm.getByRole('heading', { name: 'Shorten the period?' }).waitFor();
    await confirm.getByRole('button', { name: 'Shorten' }).click();
    await panel.getByText('The periods are saved.').waitFor();
    await expect.poll(() => setting('retention.consultation_text_days'), SOON).toBe(200);
    expect(await panel.getByTestId('retention-last-change').textContent()).toMatch(/Азамат Бейшеналиев/);

    // "Run now": queued for the worker (none runs in this test), shown at the top of the runs.
    await panel.getByRole('button', { name: 'Run now' }).click();
    await panel.getByText('The run is queued').waitFor();
    const run = panel.getByTestId('retention-run').first();
    await expect.poll(() => run.getAttribute('data-status'), SOON).toBe('queued');
    expect(await run.textContent()).toMatch(/Run now.*Азамат Бейшеналиев.*Queued/);

    // A legal hold by reference (typed loosely), with a reason.
    await panel.getByLabel('Consultation reference').fill(reference.toLowerCase().replaceAll('-', ' '));
    await panel.getByLabel('Reason', { exact: true }).fill('Court case 12-345/2026');
    await panel.getByRole('button', { name: 'Place the hold' }).click();
    await panel.getByText(`The hold on ${reference} is placed.`).waitFor();
    const row = panel.getByTestId('hold-row');
    await expect.poll(() => row.count(), SOON).toBe(1);
    expect(await row.textContent()).toMatch(/Court case 12-345\/2026/);
    await expect.poll(() => legalHold(reference), SOON).toBe(true);

    // Lifted after a confirm, which wants a reason too.
    await row.getByRole('button', { name: /Lift the hold/ }).click();
    const lift = page.getByTestId('hold-lift-confirm');
    await lift.getByRole('heading', { name: `Lift the hold on ${reference}?` }).waitFor();
    await lift.getByRole('button', { name: 'Lift the hold' }).click();
    await lift.getByText('Give a reason of at least 3 characters.').waitFor();
    await lift.getByLabel('Reason for lifting').fill('The case is closed');
    await lift.getByRole('button', { name: 'Lift the hold' }).click();
    await panel.getByText(`The hold on ${reference} is lifted.`).waitFor();
    await panel.getByText('No consultation is on legal hold.').waitFor();
    await expect.poll(() => legalHold(reference), SOON).toBe(false);

    // Readable at 1366×768: nothing wider than the window.
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    expect(errors).toEqual([]);
  }, 90_000);
});
