import {
  type BrowserPage,
  callEvent,
  createTestApp,
  createTestBrowser,
  postEvents,
  SOON,
  type TestApp,
  type TestBrowser,
} from '@korgon/dev/testing';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

let t: TestApp;
let browser: TestBrowser;

beforeAll(async () => {
  t = await createTestApp({ listen: true, label: 'browser-wall' });
  browser = await createTestBrowser(t.baseUrl);
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

const figure = (page: Page, testId: string) => page.getByTestId(testId).locator('dd');

describe('a wall display in the call room', () => {
  let admin: BrowserPage;
  let wall: BrowserPage;
  let code = '';
  let url = '';

  beforeAll(async () => {
    admin = await browser.newPage();
    // The sign-in page starts in Kyrgyz; the administrator's own language (English) follows.
    await browser.signIn(admin.page, 'admin', { landing: 'Administration' });
  });

  it('is created by an administrator, who sees its pairing code and link once; the user form has no wall role', async () => {
    const { page } = admin;
    const createUser = page.getByRole('region', { name: 'Create a user', exact: true });
    const roles = await createUser.getByLabel('Role', { exact: true }).locator('option').allTextContents();
    expect(roles).not.toContain('Wall display');
    expect(roles).toContain('Operator');

    const panel = page.getByRole('region', { name: 'Wall displays', exact: true });
    await panel.getByRole('heading', { name: 'Wall displays' }).waitFor();
    await panel.getByLabel('Where it hangs', { exact: true }).fill('Call room, left wall');
    await panel.getByLabel('Language on the screen', { exact: true }).selectOption('en');
    await panel.getByRole('button', { name: 'Create and show the code' }).click();

    const once = panel.getByTestId('wall-pairing-code');
    await once.getByRole('heading', { name: 'Pairing code for “Call room, left wall”' }).waitFor();
    code = await once.getByTestId('wall-code-value').inputValue();
    url = await once.getByTestId('wall-pairing-url').inputValue();
    expect(code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    expect(url).toBe(`${t.baseUrl}/#/wall/pair?code=${code}&lang=en`);
    const row = panel.getByRole('row', { name: /Call room, left wall/ });
    await row.getByText('Not paired', { exact: true }).waitFor();
    // Its account is not among the people in the users list.
    const users = page.getByRole('region', { name: 'Users', exact: true }).first();
    await users.getByRole('row', { name: /operator1/ }).waitFor();
    expect(await users.getByRole('row', { name: /wall-call-room/ }).count()).toBe(0);
  });

  it('pairs a screen from the link and shows large figures, with no names', async () => {
    wall = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    const { page } = wall;
    await page.goto(url);
    await page.getByRole('heading', { level: 1, name: 'Pair this screen' }).waitFor();
    expect(await page.getByLabel('Pairing code', { exact: true }).inputValue()).toBe(code);
    await page.getByRole('button', { name: 'Pair this screen' }).click();

    await page.getByTestId('wall').waitFor();
    await page.getByTestId('wall-status').getByText('Live', { exact: true }).waitFor(SOON);
    expect(page.url()).toMatch(/#\/wall$/);
    await figure(page, 'wall-waiting').waitFor();
    expect(await figure(page, 'wall-waiting').textContent()).toBe('0');
    for (const id of [
      'wall-in-progress',
      'wall-available',
      'wall-on-call',
      'wall-answered',
      'wall-open-alerts',
    ])
      expect(await figure(page, id).textContent()).toMatch(/^\d+$/);
    expect(await page.getByRole('navigation').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
    // Large: the waiting count is drawn far above body text.
    const size = await figure(page, 'wall-waiting').evaluate((el) =>
      Number.parseFloat(getComputedStyle(el).fontSize),
    );
    expect(size).toBeGreaterThan(100);
    // Nobody's name, on a screen the whole room sees.
    const text = (await page.locator('body').textContent()) ?? '';
    for (const name of ['Айгүл', 'Асанова', 'operator1', 'supervisor']) expect(text).not.toContain(name);

    const { page: adminPage } = admin;
    const row = adminPage
      .getByRole('region', { name: 'Wall displays', exact: true })
      .getByRole('row', { name: /Call room, left wall/ });
    await row.getByText('Paired', { exact: true }).waitFor(SOON);
  });

  it('counts a call the PBX reports, live', async () => {
    const posted = await postEvents(
      t.app,
      t.env.TELEPHONY_SECRET,
      callEvent(`wall-${crypto.randomUUID()}`, 'call.offered', new Date()),
    );
    expect(posted.statusCode).toBe(200);
    await wall.page.getByTestId('wall-waiting').locator('dd', { hasText: /^1$/ }).waitFor(SOON);
    // The longest wait ticks from the call's offer.
    await wall.page
      .getByTestId('wall-longest-wait')
      .locator('dd', { hasText: /^00:0[1-9]$/ })
      .waitFor(SOON);
  });

  it('says it is reconnecting, with the age of its figures, while the network is down, and catches up by itself', async () => {
    const { page } = wall;
    const status = page.getByTestId('wall-status');
    await page.context().setOffline(true);
    await status.getByText('Reconnecting…').waitFor(SOON);
    await status.getByText(/Figures from \d\d:\d\d \(0 minutes ago\)/).waitFor();
    expect(await page.getByTestId('wall').getAttribute('data-connection')).toBe('reconnecting');

    // A call arrives while the screen is cut off: its push is lost; the read on reconnecting brings it.
    const posted = await postEvents(
      t.app,
      t.env.TELEPHONY_SECRET,
      callEvent(`wall-${crypto.randomUUID()}`, 'call.offered', new Date()),
    );
    expect(posted.statusCode).toBe(200);
    expect(await figure(page, 'wall-waiting').textContent()).toBe('1');

    await page.context().setOffline(false);
    await status.getByText('Live', { exact: true }).waitFor(SOON);
    await page.getByTestId('wall-waiting').locator('dd', { hasText: /^2$/ }).waitFor(SOON);
    expect(await status.getByText('Reconnecting…').count()).toBe(0);
  });

  it('goes back to its pairing page at once when the administrator revokes it', async () => {
    const { page } = admin;
    const panel = page.getByRole('region', { name: 'Wall displays', exact: true });
    await panel.getByRole('button', { name: 'Done' }).click();
    await panel.getByRole('button', { name: 'Revoke Call room, left wall' }).click();
    const dialog = page.getByTestId('wall-revoke-dialog');
    await dialog.getByRole('heading', { name: 'Revoke “Call room, left wall”?' }).waitFor();
    await dialog.getByRole('button', { name: 'Revoke', exact: true }).click();
    await panel.getByText('“Call room, left wall” was revoked; its screen shows its pairing page.').waitFor();
    await panel
      .getByRole('row', { name: /Call room, left wall/ })
      .getByText('Revoked', { exact: true })
      .waitFor();

    await wall.page.getByRole('heading', { level: 1, name: 'Pair this screen' }).waitFor(SOON);
    await wall.page.getByRole('alert').filter({ hasText: 'This screen was disconnected' }).waitFor();
    expect(await wall.page.getByTestId('wall').count()).toBe(0);
    // A reload stays on the pairing page: this browser is a wall screen, not a staff console.
    await wall.page.reload();
    await wall.page.getByRole('heading', { level: 1, name: 'Pair this screen' }).waitFor();
    expect(await wall.page.getByLabel('Pairing code', { exact: true }).inputValue()).toBe('');

    await vi.waitFor(async () => {
      const audit = await t.db.pool.query<{ action: string }>(
        `SELECT action FROM audit_log WHERE target_type = 'wall_display' ORDER BY id`,
      );
      expect(audit.rows.map((r) => r.action)).toEqual([
        'wall_display.created',
        'wall_display.code_issued',
        'wall_display.paired',
        'wall_display.revoked',
      ]);
    }, SOON);
    // The browser's own reports of the connection it could not open while offline are expected.
    const offline = /ERR_INTERNET_DISCONNECTED|WebSocket connection to .* failed/;
    expect([...admin.errors, ...wall.errors.filter((e) => !offline.test(e))]).toEqual([]);
  });
});
