import {
  callEvent,
  createTestApp,
  createTestBrowser,
  postEvents,
  type TestApp,
  type TestBrowser,
} from '@korgon/dev/testing';
import type { TelephonyEvent } from '@korgon/domain';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The desk and the board on the PBX's normal path: a call answered at operator1's phone (extension 101) is her
 * "Your call", she opens, fills in and finalizes its consultation in the browser, and the supervisor's board
 * agrees with her desk at every step; a call answered at an extension nobody holds is assigned on the board.
 */
let t: TestApp;
let browser: TestBrowser;

beforeAll(async () => {
  t = await createTestApp({ listen: true, label: 'desk-calls', env: { WRAP_UP_SECONDS: '600' } });
  browser = await createTestBrowser(t.baseUrl);
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

const SOON = { timeout: 15_000, interval: 100 };
const KY = {
  desk: 'Оператордун иш столу',
  board: 'Супервайзердин тактасы',
  openForm: 'Консультациянын формасын ачуу',
  notes: 'Сүйлөшүү боюнча эскертмелер',
  finalizeButton: 'Консультацияны аяктоо',
  confirmYes: 'Ооба, аяктоо',
};
const DESK_RU = 'Рабочее место оператора';

async function post(events: TelephonyEvent | TelephonyEvent[]) {
  const res = await postEvents(t.app, t.env.TELEPHONY_SECRET, events);
  expect(res.statusCode, res.body).toBe(200);
}

const one = async <T>(sql: string, params: unknown[]) => (await t.db.pool.query(sql, params)).rows[0] as T;
const callIdOf = async (externalId: string) =>
  (await one<{ id: string }>('SELECT id FROM calls WHERE external_id = $1', [externalId])).id;
const userIdOf = async (username: string) =>
  (await one<{ id: string }>('SELECT id FROM users WHERE username = $1', [username])).id;
/** Display names come from the demo's seed, which may rename people: read them, do not copy them. */
const nameOf = async (username: string) =>
  (await one<{ display_name: string }>('SELECT display_name FROM users WHERE username = $1', [username]))
    .display_name;
const text = async (l: ReturnType<Page['locator']>) => ((await l.textContent()) ?? '').trim();

const myCall = (page: Page, callId: string) =>
  page.getByTestId('your-call').locator(`[data-testid="my-call"][data-call-id="${callId}"]`);
const boardRow = (page: Page, callId: string) =>
  page.locator(`[data-testid="board-call"][data-call-id="${callId}"]`);
/** The operator's state on the board (its class names it, whatever the supervisor's language). */
const boardState = async (page: Page, userId: string) => {
  const cls =
    (await page
      .locator(`[data-testid="operator-row"][data-operator-id="${userId}"]`)
      .getByTestId('operator-state')
      .getAttribute('class')) ?? '';
  return /state-(\w+)/.exec(cls)?.[1] ?? '';
};
/** Her own state on her desk: the select's value. */
const deskState = (page: Page) => page.getByTestId('my-state').locator('select').inputValue();

/** Clicks Finalize and accepts the confirmation, when the form asks for one. */
async function finalize(page: Page) {
  await page.getByTestId('save-bar').getByRole('button', { name: KY.finalizeButton }).click();
  const dialog = page.getByRole('dialog');
  const final = page.getByTestId('consultation-final');
  await Promise.race([dialog.waitFor({ timeout: 15_000 }), final.waitFor({ timeout: 15_000 })]);
  if (await dialog.isVisible()) await dialog.getByRole('button', { name: KY.confirmYes }).click();
  await final.waitFor();
}

describe('a call answered at the operator’s phone', () => {
  it('is her "Your call"; she opens, fills in and finalizes it, and her desk and the board agree throughout', async () => {
    const op = await browser.newPage();
    const sup = await browser.newPage();
    await browser.signIn(op.page, 'operator1', { landing: KY.desk });
    await browser.signIn(sup.page, 'supervisor', { landing: KY.board });
    const me = await userIdOf('operator1');

    // The PBX answers at extension 101: operator1's phone.
    await post([
      callEvent('desk-ext-1', 'call.offered', new Date(Date.now() - 20_000)),
      callEvent('desk-ext-1', 'call.answered', new Date(Date.now() - 5_000), { extension: '101' }),
    ]);
    const callId = await callIdOf('desk-ext-1');
    const mine = myCall(op.page, callId);
    await mine.waitFor(SOON);
    const draft = await one<{ id: string; reference: string }>(
      'SELECT id, reference FROM consultations WHERE call_id = $1',
      [callId],
    );
    await expect.poll(() => text(mine.getByTestId('consultation-draft')), SOON).toBe(draft.reference);
    // The board says who has it; both show her on call.
    await expect
      .poll(() => text(boardRow(sup.page, callId).getByTestId('board-call-state')), SOON)
      .toContain(await nameOf('operator1'));
    await expect.poll(() => boardState(sup.page, me), SOON).toBe('on_call');
    expect(await deskState(op.page)).toBe('on_call');

    // She opens it from her desk, fills it in and finalizes it.
    await mine.getByRole('link', { name: KY.openForm }).click();
    await op.page.getByTestId('consultation-form').waitFor(SOON);
    expect(op.page.url()).toContain(draft.id);
    // "Information only" (its label carries its number key too).
    await op.page.locator('#cf-contactKind--information').check();
    const notes = op.page.getByLabel(KY.notes, { exact: true });
    if (await notes.isVisible()) await notes.fill('Укуктук кеңеш берилди');
    await finalize(op.page);
    const saved = await one<{ status: string; data: { contactKind?: string } }>(
      'SELECT status, data FROM consultations WHERE id = $1',
      [draft.id],
    );
    expect(saved).toMatchObject({ status: 'final', data: { contactKind: 'information' } });

    // One truth: back on her desk it is no longer "Your call", and the board shows it recorded.
    await op.page.goto(`${t.baseUrl}/#/desk`);
    await op.page.getByRole('heading', { level: 1, name: KY.desk }).waitFor();
    await expect.poll(() => mine.count(), SOON).toBe(0);
    await expect
      .poll(() => text(boardRow(sup.page, callId).getByTestId('board-call-state')), SOON)
      .toMatch(/·/);
    // The PBX ends the call: both show her in wrap-up, and the call leaves the board.
    await post(callEvent('desk-ext-1', 'call.ended', new Date()));
    await expect.poll(() => deskState(op.page), SOON).toBe('wrap_up');
    await expect.poll(() => boardState(sup.page, me), SOON).toBe('wrap_up');
    await expect.poll(() => boardRow(sup.page, callId).count(), SOON).toBe(0);
    // And a reload of the board (a fresh snapshot) shows the same.
    await sup.page.reload();
    await sup.page.getByRole('heading', { level: 1, name: KY.board }).waitFor();
    await expect.poll(() => boardState(sup.page, me), SOON).toBe('wrap_up');
    expect(await boardRow(sup.page, callId).count()).toBe(0);
    expect(op.errors).toEqual([]);
    expect(sup.errors).toEqual([]);
  });
});

describe('a call answered at an extension nobody holds', () => {
  it('shows on the board as "unknown extension 105"; the supervisor assigns it and it is the operator’s call', async () => {
    const op = await browser.newPage();
    const sup = await browser.newPage();
    await browser.signIn(op.page, 'operator2', { landing: DESK_RU });
    await browser.signIn(sup.page, 'supervisor', { landing: KY.board });
    await post([
      callEvent('desk-unk-1', 'call.offered', new Date(Date.now() - 20_000)),
      callEvent('desk-unk-1', 'call.answered', new Date(Date.now() - 5_000), { extension: '105' }),
    ]);
    const callId = await callIdOf('desk-unk-1');
    const row = boardRow(sup.page, callId);
    await expect.poll(() => text(row.getByTestId('board-call-state')), SOON).toContain('105');
    expect(await myCall(op.page, callId).count()).toBe(0);

    const form = row.getByTestId('assign-call');
    await form.locator('select').selectOption(await userIdOf('operator2'));
    await form.getByRole('button').click();
    await expect.poll(() => row.getByTestId('assign-call').count(), SOON).toBe(0);
    await expect
      .poll(() => text(row.getByTestId('board-call-state')), SOON)
      .toContain(await nameOf('operator2'));

    // Hers now, with its draft: she opens it.
    const mine = myCall(op.page, callId);
    await mine.waitFor(SOON);
    await mine.getByTestId('open-consultation').click();
    await op.page.getByTestId('consultation-form').waitFor(SOON);
    const draft = await one<{ id: string; operator_id: string }>(
      'SELECT id, operator_id FROM consultations WHERE call_id = $1',
      [callId],
    );
    expect(draft.operator_id).toBe(await userIdOf('operator2'));
    expect(op.page.url()).toContain(draft.id);
    const audit = await one<{ n: string }>(
      "SELECT count(*) AS n FROM audit_log WHERE action = 'call.assigned' AND target_id = $1",
      [callId],
    );
    expect(Number(audit.n)).toBe(1);
    expect(op.errors).toEqual([]);
    expect(sup.errors).toEqual([]);
  });
});
