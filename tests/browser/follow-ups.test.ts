import { mkdirSync } from 'node:fs';
import {
  createTestApp,
  launchBrowser,
  type ShiftedClock,
  SOON,
  shiftedClock,
  signInInBrowser,
  signInOverHttp,
  startTestWorker,
  type TestApp,
} from '@korgon/dev/testing';
import type { WorkerHandle } from '@korgon/worker';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';

/**
 * A follow-up on a controlled clock: the server and the worker share a clock the test moves 25 days on, and the
 * browser's clock (playwright's page.clock) moves with it. A temporary protection order recorded today makes a
 * check-in follow-up that appears on the operator's worklist at its time (pushed live); doing it opens a call-back
 * consultation linked to the earlier one, and finalizing that turns the item done.
 */
/** Screenshots for people to look at, when KORGON_SHOTS names a directory (nothing is asserted on them). */
const SHOTS = process.env.KORGON_SHOTS ?? '';
if (SHOTS) mkdirSync(SHOTS, { recursive: true });
async function shot(page: Page, name: string, target: Locator) {
  if (!SHOTS) return;
  await target.scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SHOTS}/follow-ups-${name}.png` });
}

let t: TestApp;
let worker: WorkerHandle;
let browser: Browser;
let clock: ShiftedClock;

beforeAll(async () => {
  clock = shiftedClock();
  t = await createTestApp({ listen: true, label: 'follow-ups-browser', clock });
  worker = await startTestWorker(t.databaseUrl, t.env, { clock });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await worker?.stop();
  await t?.close();
});

const KY = {
  desk: 'Оператордун иш столу',
  start: 'Кайра чалуу',
  checkin: 'Коргоо ордеринин мөөнөтү бүтөөр алдында чалуу',
  confirmTitle: 'Бул консультацияны аяктайсызбы?',
  confirmYes: 'Ооба, аяктоо',
  finalize: 'Консультацияны аяктоо',
  linked: 'Байланышкан кайрылуулар: чалуучунун иши',
  done: 'Аткарылды',
  later: 'Кийинчерээк',
};

/**
 * Signs in through the form (the console then speaks the person's own language), on the browser's own clock.
 * Selectors after it do not depend on the language.
 */
async function signedIn(username: string) {
  const { page, errors } = await bishkekPage();
  // Signed in once the console has gone to the person's home; the supervisor's second factor on the way.
  await signInInBrowser(page, t.baseUrl, username);
  await page.getByRole('heading', { level: 1 }).waitFor();
  return { page, errors };
}

/** A profile on Bishkek's time, closed when the test ends; counts uncaught exceptions. */
async function bishkekPage() {
  const context = await browser.newContext({
    locale: 'ky-KG',
    timezoneId: 'Asia/Bishkek',
    viewport: { width: 1280, height: 900 },
  });
  onTestFinished(() => context.close());
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return { page, errors };
}

async function apiAs(cookie: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${t.baseUrl}${path}`, {
    method,
    headers: {
      origin: t.baseUrl,
      cookie,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json().catch(() => null)) as Record<string, unknown> };
}

async function cookieOf(username: string) {
  // Second factor included, for the roles that have one.
  return signInOverHttp(t.baseUrl, username);
}

describe('follow-ups in the browser', () => {
  it('a temporary order recorded today comes back as a check-in on the worklist at its time, and is done by a linked call-back', async () => {
    // operator2 recorded a consultation today with a temporary protection order issued today (Bishkek's date).
    const today = new Date(clock.now().getTime() + 6 * 3_600_000).toISOString().slice(0, 10);
    const op2 = await cookieOf('operator2');
    const earlier = crypto.randomUUID();
    const saved = await apiAs(op2, 'PUT', `/api/consultations/${earlier}`, {
      baseRevision: 0,
      channel: 'call',
      data: {
        contactKind: 'about_self',
        callerRole: 'survivor',
        survivor: { gender: 'female', ageBand: '26-40', region: 'KG-GB' },
        violenceForms: ['physical'],
        servicesGiven: ['crisis_counselling'],
        consent: { statistics: 'yes', referral: 'yes' },
        safetyPlan: { exit_room: true },
        protectionOrder: { has: 'yes', kind: 'temporary', issuedOn: today },
      },
      secret: { notes: '', codeWord: '', ifCallDrops: '' },
    });
    expect(saved.status).toBe(201);
    expect((await apiAs(op2, 'POST', `/api/consultations/${earlier}/finalize`, { revision: 1 })).status).toBe(
      200,
    );
    const { rows } = await t.db.pool.query<{ id: string; raise_at: Date }>(
      "SELECT id, raise_at FROM follow_ups WHERE consultation_id = $1 AND kind = 'order_checkin'",
      [earlier],
    );
    const checkin = rows[0];
    expect(checkin).toBeDefined();
    const fid = checkin?.id as string;

    const { rows: refs } = await t.db.pool.query<{ reference: string }>(
      'SELECT reference FROM consultations WHERE id = $1',
      [earlier],
    );
    const reference = refs[0]?.reference as string;

    // operator1's desk today: the check-in is not due yet; it is listed as coming later, with its kind, its time
    // and the consultation's reference, under its own heading and with its own word.
    const { page, errors } = await bishkekPage();
    await page.clock.install({ time: clock.now() });
    await signInInBrowser(page, t.baseUrl, 'operator1', { landing: KY.desk });
    const panel = page.getByTestId('follow-ups-desk');
    await panel.getByTestId('follow-ups-upcoming').waitFor();
    const item = panel.locator(`[data-testid="follow-up"][data-follow-up-id="${fid}"]`);
    const later = panel
      .getByTestId('follow-up-group-upcoming')
      .locator(`[data-testid="follow-up"][data-follow-up-id="${fid}"]`);
    await later.waitFor();
    expect(await later.getAttribute('data-phase')).toBe('upcoming');
    expect(await later.getByTestId('follow-up-phase').textContent()).toBe(KY.later);
    expect(await later.getByText(KY.checkin).count()).toBe(1);
    expect(await later.textContent()).toContain(reference);
    expect(await later.textContent()).toContain('Мөөнөтү:');
    // Not before its time: nobody calls outside the caller's safe window.
    expect(await later.getByRole('button', { name: KY.start }).count()).toBe(0);
    await shot(page, 'desk-upcoming', panel);

    // 25 days later, a minute after its time: the worker raises it and the desk shows it, pushed live.
    const at = new Date((checkin?.raise_at.getTime() ?? 0) + 60_000);
    clock.set(at);
    await page.clock.setSystemTime(at);
    await worker.reconcileNow();
    await panel
      .getByTestId('follow-up-group-due')
      .locator(`[data-follow-up-id="${fid}"]`)
      .waitFor({ timeout: 15_000 });
    expect(await item.getAttribute('data-phase')).toBe('due');
    await shot(page, 'desk-due', panel);
    expect(await item.getByText(KY.checkin).count()).toBe(1);
    expect(await page.getByTestId('follow-ups-shift').locator(`[data-follow-up-id="${fid}"]`).count()).toBe(
      1,
    );

    // Doing it opens a call-back consultation linked to the earlier one.
    await item.getByRole('button', { name: KY.start }).click();
    await page.getByTestId('consultation-page').waitFor();
    const linked = page.getByRole('region', { name: KY.linked, exact: true });
    await linked.getByRole('heading', { name: KY.linked }).waitFor();
    await linked.locator(`[data-testid="chain-entry"][data-consultation-id="${earlier}"]`).waitFor();
    await shot(page, 'linked-contacts', linked);
    expect(await linked.getByTestId('chain-entry').count()).toBe(2);
    const newId = (await page.getByTestId('consultation-page').getAttribute('data-consultation-id')) ?? '';
    // Read until the database has it: the page may show the call-back before its row is committed.
    await vi.waitFor(async () => {
      const { rows: k } = await t.db.pool.query<{
        previous_id: string;
        follow_up_id: string;
        channel: string;
      }>('SELECT previous_id, follow_up_id, channel FROM consultations WHERE id = $1', [newId]);
      expect(k[0]).toEqual({ previous_id: earlier, follow_up_id: fid, channel: 'call_back' });
    }, SOON);

    // She records the call (information only) and finalizes it: the follow-up turns done.
    await page.locator('#cf-contactKind--information').check();
    await page.getByTestId('save-bar').getByRole('button', { name: KY.finalize }).click();
    await page
      .getByRole('dialog', { name: KY.confirmTitle })
      .getByRole('button', { name: KY.confirmYes })
      .click();
    await page.getByTestId('consultation-final').waitFor();
    await expect
      .poll(
        async () =>
          (await t.db.pool.query('SELECT state FROM follow_ups WHERE id = $1', [fid])).rows[0]?.state,
        SOON,
      )
      .toBe('done');

    // Back on the desk, the item is listed as done.
    await page.goBack();
    await page.getByRole('heading', { level: 1, name: KY.desk }).waitFor();
    const doneItem = page.getByTestId('follow-ups-mine').locator(`[data-follow-up-id="${fid}"]`);
    await doneItem.waitFor();
    await expect.poll(() => doneItem.getAttribute('data-state'), SOON).toBe('done');
    expect(await doneItem.getByTestId('follow-up-phase').textContent()).toBe(KY.done);
    expect(errors).toEqual([]);

    // operator2 opens her earlier consultation: it shows the chain too, with the later call-back (operator1's,
    // read through the chain: audited).
    const author = await signedIn('operator2');
    await author.page.goto(`${t.baseUrl}/#/consultations/${earlier}`);
    await author.page.getByTestId('consultation-final').waitFor();
    const chain = author.page.getByTestId('linked-contacts');
    await chain.getByRole('heading', { level: 2 }).waitFor();
    await chain.locator(`[data-testid="chain-entry"][data-consultation-id="${newId}"]`).waitFor();
    expect(await chain.getByTestId('chain-entry').count()).toBe(2);
    expect(
      await chain
        .locator(`[data-testid="chain-entry"][data-consultation-id="${earlier}"]`)
        .getAttribute('aria-current'),
    ).toBe('true');
    await vi.waitFor(async () => {
      const { rows: reads } = await t.db.pool.query(
        `SELECT details FROM audit_log a JOIN users u ON u.id = a.actor_id
          WHERE a.action = 'consultation.read' AND a.target_id = $1 AND u.username = 'operator2'`,
        [newId],
      );
      expect(reads.map((r) => r.details)).toContainEqual({ via: 'chain', from: earlier });
    }, SOON);
    expect(author.errors).toEqual([]);
  });

  it('a supervisor hands a follow-up to another operator from the board, and it moves to her desk live', async () => {
    const op1 = await cookieOf('operator1');
    const id = crypto.randomUUID();
    expect(
      (
        await apiAs(op1, 'PUT', `/api/consultations/${id}`, {
          baseRevision: 0,
          channel: 'call',
          data: {
            contactKind: 'about_self',
            callerRole: 'survivor',
            survivor: { gender: 'female', ageBand: '26-40', region: 'KG-GB' },
            violenceForms: ['physical'],
            servicesGiven: ['crisis_counselling'],
            consent: { statistics: 'yes', referral: 'yes' },
            safetyPlan: { exit_room: true },
            followUp: { agreed: true, due: new Date(clock.now().getTime() + 2 * 86_400_000).toISOString() },
          },
          secret: { notes: '', codeWord: '', ifCallDrops: '' },
        })
      ).status,
    ).toBe(201);
    expect((await apiAs(op1, 'POST', `/api/consultations/${id}/finalize`, { revision: 1 })).status).toBe(200);
    const { rows } = await t.db.pool.query<{ id: string }>(
      "SELECT id FROM follow_ups WHERE consultation_id = $1 AND kind = 'callback'",
      [id],
    );
    const fid = rows[0]?.id as string;
    const { rows: names } = await t.db.pool.query<{ username: string; id: string; display_name: string }>(
      "SELECT username, id, display_name FROM users WHERE username IN ('operator1', 'operator2')",
    );
    const op1Name = names.find((n) => n.username === 'operator1')?.display_name as string;
    const op2User = names.find((n) => n.username === 'operator2');

    // operator2's desk is open: the call-back is not hers.
    const operator2 = await signedIn('operator2');
    await operator2.page.goto(`${t.baseUrl}/#/desk`);
    const hers = operator2.page.getByTestId('follow-ups-mine').locator(`[data-follow-up-id="${fid}"]`);
    await operator2.page.getByTestId('follow-ups-desk').getByTestId('follow-ups-mine').waitFor();
    expect(await hers.count()).toBe(0);

    // On the board, the supervisor sees it coming later, operator1's, and hands it to operator2.
    const board = await signedIn('supervisor');
    await board.page.goto(`${t.baseUrl}/#/board`);
    const item = board.page
      .getByTestId('follow-ups-board')
      .locator(`[data-testid="follow-up"][data-follow-up-id="${fid}"]`);
    await item.waitFor();
    expect(await item.getAttribute('data-phase')).toBe('upcoming');
    expect(await item.getByTestId('follow-up-assignee').textContent()).toBe(op1Name);
    await shot(board.page, 'board', item);
    const handOver = item.locator('form.follow-up-hand-over');
    await handOver.getByRole('combobox').selectOption({ label: op2User?.display_name as string });
    await handOver.locator('button[type="submit"]').click();
    await expect.poll(() => item.getAttribute('data-assignee-id'), SOON).toBe(op2User?.id);
    expect(await item.getByTestId('follow-up-assignee').textContent()).toBe(op2User?.display_name);
    await vi.waitFor(async () => {
      const { rows: now } = await t.db.pool.query('SELECT assignee_id FROM follow_ups WHERE id = $1', [fid]);
      expect(now[0]?.assignee_id).toBe(op2User?.id);
    }, SOON);
    // Pushed: it is on operator2's own list without a reload.
    await hers.waitFor({ timeout: 15_000 });

    // And back to the shift.
    await handOver.getByRole('combobox').selectOption({ index: 1 });
    await handOver.locator('button[type="submit"]').click();
    await expect.poll(() => item.getAttribute('data-assignee-id'), SOON).toBe('');
    await expect.poll(() => hers.count(), { timeout: 15_000 }).toBe(0);
    expect(board.errors).toEqual([]);
    expect(operator2.errors).toEqual([]);
  });
});
