import {
  createTestApp,
  launchBrowser,
  runCurlExample,
  TEST_PASSWORD,
  type TestApp,
} from '@korgon/dev/testing';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let t: TestApp;
let browser: Browser;
beforeAll(async () => {
  t = await createTestApp({ listen: true, label: 'curl-desk' });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe('docs/telephony.md, end to end', () => {
  it('a call posted with the documented curl command appears on the operator desk and is taken there', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(t.baseUrl);
    await page.getByLabel('Колдонуучунун аты', { exact: true }).fill('operator1');
    await page.getByLabel('Сырсөз', { exact: true }).fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Кирүү' }).click();
    await page.getByRole('heading', { level: 1, name: 'Оператордун иш столу' }).waitFor();

    const answer = await runCurlExample({
      KORGON_URL: t.baseUrl,
      TELEPHONY_SECRET: t.env.TELEPHONY_SECRET,
      CALL_ID: 'curl-browser-1',
    });
    expect(answer).toEqual({ received: 1, stored: 1, duplicates: 0 });
    const { rows } = await t.db.pool.query<{ id: string }>(
      "SELECT id FROM calls WHERE external_id = 'curl-browser-1'",
    );
    const callId = rows[0]?.id as string;
    const row = page
      .getByTestId('waiting-calls')
      .locator(`[data-testid="queue-call"][data-call-id="${callId}"]`);
    await row.waitFor();
    expect(await row.getByText('5200').count()).toBeGreaterThan(0);

    // Wait for the claim's answer, not for an element: the desk may show the call as hers (from the live
    // push of another change) before the claim's transaction has answered.
    const claimed = page.waitForResponse(
      (r) => r.url().endsWith(`/api/queue/calls/${callId}/claim`) && r.request().method() === 'POST',
    );
    await row.getByRole('button', { name: 'Чалууну алуу' }).click();
    expect((await claimed).status()).toBe(200);
    await page.getByTestId('your-call').waitFor();
    const taken = await t.db.pool.query(
      'SELECT c.operator_id, u.username FROM calls c JOIN users u ON u.id = c.operator_id WHERE c.id = $1',
      [callId],
    );
    expect(taken.rows[0]?.username).toBe('operator1');
    const draft = await t.db.pool.query('SELECT id FROM consultations WHERE call_id = $1', [callId]);
    expect(draft.rows).toHaveLength(1);
    await row.waitFor({ state: 'detached' });
  });
});
