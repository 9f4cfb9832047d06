import {
  callEvent,
  createTestApp,
  createTestBrowser,
  postEvents,
  SOON,
  screenForDocs,
  type TestApp,
  type TestBrowser,
} from '@korgon/dev/testing';
import type { TelephonyEvent } from '@korgon/domain';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

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

/** Her call in "Your call" (Kyrgyz or Russian, each operator's own language). */
const myCall = (page: Page, callId: string) =>
  page.getByRole('region', { name: /^(Сиздин чалууңуз|Ваш звонок)$/ }).locator(`[data-call-id="${callId}"]`);
const formOf = (page: Page) => page.getByRole('form', { name: /^Консультация/ });
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
    const draft = await vi.waitFor(async () => {
      const row = await one<{ id: string; reference: string } | undefined>(
        'SELECT id, reference FROM consultations WHERE call_id = $1',
        [callId],
      );
      if (!row) throw new Error('no draft yet');
      return row;
    }, SOON);
    await expect.poll(() => text(mine.getByTestId('consultation-draft')), SOON).toBe(draft.reference);
    // The board says who has it; both show her on call.
    await expect
      .poll(() => text(boardRow(sup.page, callId).getByTestId('board-call-state')), SOON)
      .toContain(await nameOf('operator1'));
    await expect.poll(() => boardState(sup.page, me), SOON).toBe('on_call');
    expect(await deskState(op.page)).toBe('on_call');

    // She opens it from her desk, fills it in and finalizes it.
    await mine.getByRole('link', { name: KY.openForm }).click();
    await formOf(op.page).waitFor(SOON);
    expect(op.page.url()).toContain(draft.id);
    // "Information only" (its label carries its number key too).
    await op.page.locator('#cf-contactKind--information').check();
    const notes = op.page.getByLabel(KY.notes, { exact: true });
    if (await notes.isVisible()) await notes.fill('Укуктук кеңеш берилди');
    await finalize(op.page);
    await vi.waitFor(async () => {
      const saved = await one<{ status: string; data: { contactKind?: string } }>(
        'SELECT status, data FROM consultations WHERE id = $1',
        [draft.id],
      );
      expect(saved).toMatchObject({ status: 'final', data: { contactKind: 'information' } });
    }, SOON);

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
    await formOf(op.page).waitFor(SOON);
    const operator2 = await userIdOf('operator2');
    await vi.waitFor(async () => {
      const draft = await one<{ id: string; operator_id: string } | undefined>(
        'SELECT id, operator_id FROM consultations WHERE call_id = $1',
        [callId],
      );
      expect(draft?.operator_id).toBe(operator2);
      expect(op.page.url()).toContain(draft?.id);
      const audit = await one<{ n: string }>(
        "SELECT count(*) AS n FROM audit_log WHERE action = 'call.assigned' AND target_id = $1",
        [callId],
      );
      expect(Number(audit.n)).toBe(1);
    }, SOON);
    expect(op.errors).toEqual([]);
    expect(sup.errors).toEqual([]);
  });
});

describe('the desk as the README shows it', () => {
  it('an operator working in English takes a waiting call from the queue and opens its consultation', async () => {
    // The README's pictures are taken here (docs/screens, with KORGON_SCREENS=1): 1366×768, in English, no
    // caller's details anywhere (the queue shows none; nothing personal is typed into the form).
    const op = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    await browser.signIn(op.page, 'operator3', { landing: 'Operator desk' });
    await post([
      callEvent('readme-1', 'call.offered', new Date(Date.now() - 95_000)),
      callEvent('readme-2', 'call.offered', new Date(Date.now() - 40_000)),
    ]);
    const [first, second] = [await callIdOf('readme-1'), await callIdOf('readme-2')];
    const queue = op.page.getByRole('region', { name: 'Waiting calls', exact: true });
    await queue.locator(`[data-call-id="${second}"]`).waitFor(SOON);

    const claimed = op.page.waitForResponse(
      (r) => r.url().endsWith(`/api/queue/calls/${first}/claim`) && r.request().method() === 'POST',
    );
    await queue.locator(`[data-call-id="${first}"]`).getByRole('button', { name: 'Take call' }).click();
    const claim = await claimed;
    expect(claim.status()).toBe(200);
    const { consultationId } = (await claim.json()) as { consultationId: string };
    const yours = op.page.getByRole('region', { name: 'Your call', exact: true });
    const open = yours.getByRole('link', { name: 'Open the consultation form' });
    await open.waitFor(SOON);
    await expect.poll(() => text(yours.getByTestId('consultation-draft')), SOON).toMatch(/^K-\d{4}-\d{6}$/);
    // The other call still waits for someone.
    await queue.getByRole('button', { name: 'Take call' }).waitFor(SOON);
    await screenForDocs(op.page, 'desk');

    await open.click();
    const form = op.page.getByRole('form', { name: /^Consultation/ });
    await form.waitFor(SOON);
    expect(op.page.url()).toContain(consultationId);
    await form.getByRole('radio', { name: /About herself/ }).check();
    await form.getByRole('radio', { name: /Survivor/ }).check();
    await expect.poll(() => text(op.page.getByTestId('save-status')), SOON).toBe('Saved');
    // The form from its top (its heading, the call's reference), as it opens.
    await op.page.evaluate(() => window.scrollTo(0, 0));
    await screenForDocs(op.page, 'consultation');
    await vi.waitFor(async () => {
      const saved = await one<{ operator_id: string; data: { contactKind?: string; callerRole?: string } }>(
        'SELECT operator_id, data FROM consultations WHERE id = $1',
        [consultationId],
      );
      expect(saved).toMatchObject({
        operator_id: await userIdOf('operator3'),
        data: { contactKind: 'about_self', callerRole: 'survivor' },
      });
    }, SOON);
    expect(op.errors).toEqual([]);
  });
});
