import {
  callEvent,
  createTestApp,
  createTestBrowser,
  postEvents,
  startTestWorker,
  type TestApp,
  type TestBrowser,
} from '@korgon/dev/testing';
import type { WorkerHandle } from '@korgon/worker';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Alerts that stay until a person handles them, in browsers (docs/board.md, "Alerts"): a burst of calls
 * shows on the board and, once they wait past ALERT_WAIT_SECONDS (1 s here), the worker's sweep (every second)
 * raises long-wait alerts; supervisor A acknowledges one, reloads and sees it acknowledged by her; supervisor B,
 * signed in meanwhile in another browser, saw it appear and sees the acknowledgement, live.
 */
let t: TestApp;
let worker: WorkerHandle;
let browser: TestBrowser;

beforeAll(async () => {
  t = await createTestApp({
    listen: true,
    label: 'board-alerts',
    env: { ALERT_WAIT_SECONDS: '1', ALERT_SWEEP_SECONDS: '1' },
  });
  worker = await startTestWorker(t.databaseUrl, t.env);
  await t.db.pool.query(
    `INSERT INTO users (username, display_name, password_hash, role, locale)
     SELECT 'supervisor2', 'Бермет Алиева', password_hash, 'supervisor', 'ru' FROM users WHERE username = 'supervisor'`,
  );
  browser = await createTestBrowser(t.baseUrl, { viewport: { width: 1366, height: 900 } });
});
afterAll(async () => {
  await browser?.close();
  await worker?.stop();
  await t?.close();
});

const SOON = { timeout: 15_000, interval: 100 };
const BOARD_KY = 'Супервайзердин тактасы';
const BOARD_RU = 'Панель супервайзера';
const SUPERVISOR_A = 'Гүлнара Жумабаева';

const text = async (l: Locator) => ((await l.textContent()) ?? '').trim();

async function callIdOf(externalId: string): Promise<string> {
  const { rows } = await t.db.pool.query<{ id: string }>('SELECT id FROM calls WHERE external_id = $1', [
    externalId,
  ]);
  if (!rows[0]) throw new Error(`no call ${externalId}`);
  return rows[0].id;
}

const longWait = (page: Page, callId: string) =>
  page.locator(`[data-testid="board-alert"][data-kind="long_wait"][data-call-id="${callId}"]`);

describe('alerts on the board', () => {
  it('a burst of calls raises long-wait alerts; A acknowledges one, reloads and sees it acknowledged; B saw it all live', async () => {
    // B, the other supervisor, is on her board before anything happens.
    const b = await browser.newPage();
    await browser.signIn(b.page, 'supervisor2', { landing: BOARD_RU });
    await b.page.getByRole('region', { name: /^Оповещения/ }).waitFor();
    const a = await browser.newPage();
    await browser.signIn(a.page, 'supervisor', { landing: BOARD_KY });
    const panel = a.page.getByRole('region', { name: /^Эскертүүлөр/ });
    await panel.waitFor();
    await expect.poll(() => text(panel.getByTestId('alerts-empty')), SOON).toBe('Ачык эскертүүлөр жок.');
    // A turns the sound off: remembered across the reload below.
    const sound = panel.getByTestId('alerts-sound');
    expect(await sound.isChecked()).toBe(true);
    await sound.uncheck();

    // A burst: five calls offered within a second, through the signed telephony route.
    const now = Date.now();
    const burst = Array.from({ length: 5 }, (_, i) =>
      callEvent(`ba-${i}`, 'call.offered', new Date(now + i * 10)),
    );
    const posted = await postEvents(t.app, t.env.TELEPHONY_SECRET, burst);
    expect(posted.statusCode, posted.body).toBe(200);
    const ids = await Promise.all(burst.map((e) => callIdOf(e.callId)));

    // The board's queue shows them waiting (and the waiting figure, where the board has one).
    const calls = a.page.getByTestId('board-calls');
    for (const id of ids) await calls.locator(`[data-testid="board-call"][data-call-id="${id}"]`).waitFor();
    const waitingFigure = a.page.getByTestId('figure-waiting');
    if ((await waitingFigure.count()) > 0)
      await expect.poll(() => text(waitingFigure.first()), SOON).toBe('5');

    // Past ALERT_WAIT_SECONDS the worker's sweep raises a long-wait alert per call, pushed to both boards.
    const first = ids[0] as string;
    const alertA = longWait(a.page, first);
    await alertA.waitFor(SOON);
    expect(await alertA.getAttribute('data-state')).toBe('open');
    expect(await text(alertA.getByTestId('board-alert-kind'))).toBe('Чалуучу өтө көпкө күтүүдө');
    await expect
      .poll(() => panel.locator('[data-testid="board-alert"][data-kind="long_wait"]').count(), SOON)
      .toBe(5);
    await expect
      .poll(() => text(a.page.getByTestId('alerts-open-count-heading')), SOON)
      .toBe('5 ачык эскертүү');
    expect(await text(a.page.getByTestId('alerts-open-count-nav'))).toContain('5');
    expect(await text(panel.getByTestId('alerts-live-assertive'))).toContain('Чалуучу өтө көпкө күтүүдө.');

    const alertB = longWait(b.page, first);
    await alertB.waitFor(SOON);
    expect(await text(alertB.getByTestId('board-alert-kind'))).toBe('Звонящий ждёт слишком долго');
    expect(await text(b.page.getByTestId('alerts-live-assertive'))).toContain('Звонящий ждёт слишком долго.');

    // A acknowledges it.
    await alertA.getByRole('button', { name: 'Кабыл алуу' }).click();
    await expect.poll(() => alertA.getAttribute('data-state'), SOON).toBe('acknowledged');
    expect(await text(alertA.getByTestId('board-alert-ack'))).toMatch(
      new RegExp(`^${SUPERVISOR_A} кабыл алды, `),
    );
    expect(await alertA.getByRole('button', { name: 'Кабыл алуу' }).count()).toBe(0);
    await expect
      .poll(() => text(a.page.getByTestId('alerts-open-count-heading')), SOON)
      .toBe('4 ачык эскертүү');
    // Acknowledged ones come after the open ones.
    const order = await panel
      .locator('[data-testid="board-alert"]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-state')));
    expect(order.at(-1)).toBe('acknowledged');
    expect(order.slice(0, 4)).toEqual(['open', 'open', 'open', 'open']);

    // B sees the acknowledgement live, naming A.
    await expect.poll(() => alertB.getAttribute('data-state'), SOON).toBe('acknowledged');
    expect(await text(alertB.getByTestId('board-alert-ack'))).toMatch(
      new RegExp(`^Принято к сведению: ${SUPERVISOR_A}, `),
    );

    // A reloads: the alert is still there, acknowledged by her; the sound stays off.
    await a.page.reload();
    await a.page.getByRole('heading', { level: 1, name: BOARD_KY }).waitFor();
    const again = longWait(a.page, first);
    await again.waitFor(SOON);
    expect(await again.getAttribute('data-state')).toBe('acknowledged');
    expect(await text(again.getByTestId('board-alert-ack'))).toMatch(
      new RegExp(`^${SUPERVISOR_A} кабыл алды, `),
    );
    expect(await a.page.getByTestId('alerts-sound').isChecked()).toBe(false);
    await expect
      .poll(() => text(a.page.getByTestId('alerts-open-count-heading')), SOON)
      .toBe('4 ачык эскертүү');

    // Answered, a call's alert resolves by itself: it leaves the open ones at once, on both boards.
    const second = ids[1] as string;
    const answered = await postEvents(
      t.app,
      t.env.TELEPHONY_SECRET,
      callEvent(burst[1]?.callId ?? '', 'call.answered', new Date(), { extension: '101' }),
    );
    expect(answered.statusCode).toBe(200);
    await expect.poll(() => longWait(b.page, second).getAttribute('data-state'), SOON).toBe('resolved');
    await expect
      .poll(() => text(a.page.getByTestId('alerts-open-count-heading')), SOON)
      .toBe('3 ачык эскертүү');

    expect([...a.errors, ...b.errors]).toEqual([]);
  });
});
