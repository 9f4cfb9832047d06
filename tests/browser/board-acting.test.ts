import {
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

/**
 * The supervisor acting from the board, in browsers (docs/board.md, "Acting"): she gives a waiting call to an
 * operator, whose desk shows it as her call at once; she puts an operator on a break and, after a confirmation,
 * offline; a hand-over note written by one supervisor is shown to the other until that one marks it read.
 */
let t: TestApp;
let browser: TestBrowser;

beforeAll(async () => {
  t = await createTestApp({ listen: true, label: 'board-acting' });
  // The next shift's supervisor (the demo has one).
  await t.db.pool.query(
    `INSERT INTO users (username, display_name, password_hash, role, locale)
     SELECT 'supervisor2', 'Бермет Алиева', password_hash, 'supervisor', 'ru' FROM users WHERE username = 'supervisor'`,
  );
  browser = await createTestBrowser(t.baseUrl);
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

const BOARD_KY = 'Супервайзердин тактасы';
const BOARD_RU = 'Панель супервайзера';
const DESK_KY = 'Оператордун иш столу';
const DESK_RU = 'Рабочее место оператора';

const one = async <T>(sql: string, params: unknown[] = []) =>
  (await t.db.pool.query(sql, params)).rows[0] as T;
const userIdOf = async (username: string) =>
  (await one<{ id: string }>('SELECT id FROM users WHERE username = $1', [username])).id;
const nameOf = async (username: string) =>
  (await one<{ display_name: string }>('SELECT display_name FROM users WHERE username = $1', [username]))
    .display_name;
const text = async (l: ReturnType<Page['locator']>) => ((await l.textContent()) ?? '').trim();
const operatorRow = (page: Page, userId: string) =>
  page.locator(`[data-testid="operator-row"][data-operator-id="${userId}"]`);
/** The operator's state on the board (its class names it, whatever the supervisor's language). */
const boardState = async (page: Page, userId: string) => {
  const row = operatorRow(page, userId);
  if ((await row.count()) === 0) return '';
  const cls = (await row.getByTestId('operator-state').getAttribute('class')) ?? '';
  return /state-(\w+)/.exec(cls)?.[1] ?? '';
};
const deskState = (page: Page) => page.getByTestId('my-state').locator('select').inputValue();

describe('the supervisor acting from the board', () => {
  it('gives a waiting call to a chosen operator: her desk shows it as her call at once', async () => {
    const sup = await browser.newPage();
    const op = await browser.newPage();
    await browser.signIn(sup.page, 'supervisor', { landing: BOARD_KY });
    await browser.signIn(op.page, 'operator2', { landing: DESK_RU });
    const opId = await userIdOf('operator2');
    await expect.poll(() => boardState(sup.page, opId), SOON).toBe('available');
    // Supervisors are shown apart, never as operators.
    const supId = await userIdOf('supervisor');
    expect(await operatorRow(sup.page, supId).count()).toBe(0);
    await sup.page.locator(`[data-testid="supervisor-row"][data-operator-id="${supId}"]`).waitFor(SOON);

    const res = await postEvents(
      t.app,
      t.env.TELEPHONY_SECRET,
      callEvent('acting-give', 'call.offered', new Date(Date.now() - 12_000)),
    );
    expect(res.statusCode).toBe(200);
    const { id: callId } = await one<{ id: string }>(
      "SELECT id FROM calls WHERE external_id = 'acting-give'",
    );
    const row = sup.page.locator(`[data-testid="board-call"][data-call-id="${callId}"]`);
    const give = row.getByTestId('give-call');
    await give.waitFor(SOON);
    await give.locator('select').selectOption(opId);
    await give.getByRole('button').click();

    // Hers at once, on her desk: "Your call", its draft, and who gave it.
    const mine = op.page
      .getByTestId('your-call')
      .locator(`[data-testid="my-call"][data-call-id="${callId}"]`);
    await mine.waitFor(SOON);
    await expect.poll(() => text(mine.getByTestId('given-by')), SOON).toContain(await nameOf('supervisor'));
    const draft = await vi.waitFor(async () => {
      const row = await one<{ reference: string; operator_id: string } | undefined>(
        'SELECT reference, operator_id FROM consultations WHERE call_id = $1',
        [callId],
      );
      expect(row?.operator_id).toBe(opId);
      return row as { reference: string; operator_id: string };
    }, SOON);
    await expect.poll(() => text(mine.getByTestId('consultation-draft')), SOON).toBe(draft.reference);
    expect(await deskState(op.page)).toBe('on_call');
    // The board agrees: given to her, no "Give to…" left, and she is on call (her state follows the call).
    await expect.poll(() => row.getByTestId('give-call').count(), SOON).toBe(0);
    expect(await text(row.getByTestId('board-call-state'))).toContain(await nameOf('operator2'));
    await expect.poll(() => boardState(sup.page, opId), SOON).toBe('on_call');
    expect(await operatorRow(sup.page, opId).getByTestId('follows-call').count()).toBe(1);
    expect([...sup.errors, ...op.errors]).toEqual([]);
  });

  it('puts an operator on a break, then offline after a confirmation; her desk follows', async () => {
    const sup = await browser.newPage();
    const op = await browser.newPage();
    await browser.signIn(sup.page, 'supervisor', { landing: BOARD_KY });
    await browser.signIn(op.page, 'operator1', { landing: DESK_KY });
    const opId = await userIdOf('operator1');
    await expect.poll(() => boardState(sup.page, opId), SOON).toBe('available');
    const row = operatorRow(sup.page, opId);

    await row.getByTestId('set-break').click();
    await expect.poll(() => boardState(sup.page, opId), SOON).toBe('break');
    await expect.poll(() => deskState(op.page), SOON).toBe('break');
    expect(
      (await one<{ status: string }>('SELECT status FROM operator_states WHERE user_id = $1', [opId])).status,
    ).toBe('break');

    // Offline matters to her: it is asked first, and Escape backs out.
    await row.getByTestId('set-offline').click();
    const dialog = sup.page.getByRole('dialog');
    await dialog.waitFor();
    await sup.page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await boardState(sup.page, opId)).toBe('break');
    await row.getByTestId('set-offline').click();
    await dialog.getByRole('button', { name: 'Ооба, коюу' }).click();
    await expect.poll(() => boardState(sup.page, opId), SOON).toBe('offline');
    await expect.poll(() => deskState(op.page), SOON).toBe('offline');
    const audit = await one<{ n: string }>(
      "SELECT count(*) AS n FROM audit_log WHERE action = 'operator.status_set' AND target_id = $1",
      [opId],
    );
    expect(Number(audit.n)).toBe(2);
    expect([...sup.errors, ...op.errors]).toEqual([]);
  });

  it('shows the hand-over note of supervisor A to supervisor B, across a reload, until B marks it read', async () => {
    const a = await browser.newPage();
    const b = await browser.newPage();
    await browser.signIn(a.page, 'supervisor', { landing: BOARD_KY });
    await browser.signIn(b.page, 'supervisor2', { landing: BOARD_RU });
    const note =
      'Ночью: оператор Нургүл ушла на перерыв после тяжёлого звонка; проверьте направление в полицию.';

    const panel = a.page.getByRole('region', { name: 'Сменаны өткөрүп берүү', exact: true });
    await panel.getByRole('button', { name: 'Сменаны өткөрүп берүү жазуусун жазуу' }).click();
    const form = a.page.getByTestId('handover-form');
    // What is open is listed beside the text before sending.
    await form.getByTestId('handover-open').waitFor(SOON);
    // Empty: refused in the browser, said in words.
    await form.getByRole('button', { name: 'Жазууну сактоо' }).click();
    expect(await form.locator('.field-error').count()).toBe(1);
    const noteField = form.getByLabel('Сменаны өткөрүп берүү жазуусу', { exact: true });
    expect(await noteField.getAttribute('aria-invalid')).toBe('true');
    await noteField.fill(note);
    // Valid again as it is typed: the error goes before the next send.
    await expect.poll(() => form.locator('.field-error').count(), SOON).toBe(0);
    await form.getByRole('button', { name: 'Жазууну сактоо' }).click();
    await panel.locator('.alert-success').waitFor(SOON);

    // B sees it at the top of her board at once (pushed), and again after a reload.
    const incoming = b.page.getByTestId('handover-incoming');
    await expect.poll(() => text(incoming.getByTestId('handover-body')), SOON).toBe(note);
    expect(await text(incoming.getByRole('heading', { level: 3 }).first())).toContain(
      await nameOf('supervisor'),
    );
    await b.page.reload();
    await b.page.getByRole('heading', { level: 1, name: BOARD_RU }).waitFor();
    await expect.poll(() => text(incoming.getByTestId('handover-body')), SOON).toBe(note);
    // Its author is not shown her own note.
    expect(await a.page.getByTestId('handover-incoming').count()).toBe(0);

    await incoming.getByRole('button', { name: 'Отметить как прочитанное' }).click();
    await expect.poll(() => incoming.count(), SOON).toBe(0);
    await b.page.reload();
    await b.page.getByRole('heading', { level: 1, name: BOARD_RU }).waitFor();
    // Once the board has read the hand-over list (the form shows what is open), no note is shown.
    await b.page
      .getByRole('region', { name: 'Передача смены', exact: true })
      .getByRole('button', { name: 'Написать записку о передаче смены' })
      .click();
    await b.page.getByTestId('handover-form').getByTestId('handover-open').waitFor(SOON);
    expect(await b.page.getByTestId('handover-incoming').count()).toBe(0);
    const supervisor2 = await userIdOf('supervisor2');
    await vi.waitFor(async () => {
      const read = await one<{ read_by: string }>(
        'SELECT read_by FROM handover_notes ORDER BY created_at DESC LIMIT 1',
      );
      expect(read.read_by).toBe(supervisor2);
    }, SOON);
    expect([...a.errors, ...b.errors]).toEqual([]);
  });
});
