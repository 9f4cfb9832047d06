import {
  createTestApp,
  createTestBrowser,
  runCurlExample,
  SOON,
  type TestApp,
  type TestBrowser,
} from '@korgon/dev/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

let t: TestApp;
let browser: TestBrowser;
beforeAll(async () => {
  t = await createTestApp({ listen: true, label: 'curl-desk' });
  browser = await createTestBrowser(t.baseUrl);
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe('docs/telephony.md, end to end', () => {
  it('a call posted with the documented curl command appears on the operator desk and is taken there', async () => {
    const { page, errors } = await browser.newPage();
    await browser.signIn(page, 'operator1', { landing: 'Оператордун иш столу' });

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
    // The only waiting call, so its line names it.
    const row = page
      .getByRole('region', { name: 'Күтүп жаткан чалуулар', exact: true })
      .getByRole('listitem', { name: 'Линия 5200' });
    await row.waitFor();

    // Wait for the claim's answer, not for an element: the desk may show the call as hers (from the live
    // push of another change) before the claim's transaction has answered.
    const claimed = page.waitForResponse(
      (r) => r.url().endsWith(`/api/queue/calls/${callId}/claim`) && r.request().method() === 'POST',
    );
    await row.getByRole('button', { name: 'Чалууну алуу' }).click();
    const claim = await claimed;
    expect(claim.status()).toBe(200);
    const { consultationId } = (await claim.json()) as { consultationId: string };
    // And still read the database until it agrees, rather than at one moment.
    await vi.waitFor(async () => {
      const taken = await t.db.pool.query(
        'SELECT u.username FROM calls c JOIN users u ON u.id = c.operator_id WHERE c.id = $1',
        [callId],
      );
      expect(taken.rows[0]?.username).toBe('operator1');
      const draft = await t.db.pool.query('SELECT id FROM consultations WHERE call_id = $1', [callId]);
      expect(draft.rows).toEqual([{ id: consultationId }]);
    }, SOON);
    await page
      .getByRole('region', { name: 'Сиздин чалууңуз', exact: true })
      .getByRole('link', { name: 'Консультациянын формасын ачуу' })
      .waitFor();
    await row.waitFor({ state: 'detached' });
    expect(errors).toEqual([]);
  });
});
