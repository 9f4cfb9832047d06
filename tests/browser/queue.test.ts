import {
  callEvent,
  createTestApp,
  createTestBrowser,
  postEvents,
  SOON,
  signInOverHttp,
  type TestApp,
  type TestBrowser,
} from '@korgon/dev/testing';
import type { QueueSnapshot, TelephonyEvent } from '@korgon/domain';
import type { BrowserContext, Locator, Page, WebSocketRoute } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let t: TestApp;
let browser: TestBrowser;

beforeAll(async () => {
  t = await createTestApp({ listen: true, label: 'queue-browser' });
  // Console errors but the 401 of the first /me and a 409 provoked on purpose count.
  browser = await createTestBrowser(t.baseUrl, { ignoreConsoleErrors: /status of 40[19]/ });
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

const DAY = 86_400_000;

const KY = {
  take: 'Чалууну алуу',
  yourCall: 'Сиздин чалууңуз',
  reconnecting: 'Байланыш үзүлдү. Кайра туташууда… Тизме эскирген болушу мүмкүн.',
  repeat: (n: number) => `Кайра чалуучу: акыркы 90 күндө ${n} жолу`,
  count: (n: number) => (n === 0 ? 'Азыр күтүп жаткан чалуу жок.' : `${n} чалуу жооп күтүүдө`),
  takenBy: (name: string) => `Алган: ${name}`,
  onCall: 'Сүйлөшүүдө',
  available: 'Даяр',
  onBreak: 'Тыныгууда',
};
const RU = {
  take: 'Принять звонок',
  takenBy: (name: string) => `Принят: ${name}`,
  takenElsewhere: 'Звонок уже принят кем-то другим',
  repeat: (n: number) =>
    `Повторный звонок: ${n} ${n === 1 ? 'обращение' : n < 5 ? 'обращения' : 'обращений'} за 90 дней`,
};
const OPERATOR1 = 'Айгүл Асанова';

const DESK_KY = 'Оператордун иш столу';
const DESK_RU = 'Рабочее место оператора';
const BOARD_KY = 'Супервайзердин тактасы';

const cookies = new Map<string, string>();
async function cookieOf(username: string): Promise<string> {
  const known = cookies.get(username);
  if (known) return known;
  // Second factor included, for the roles that have one.
  const cookie = await signInOverHttp(t.baseUrl, username);
  cookies.set(username, cookie);
  return cookie;
}

async function snapshot(): Promise<QueueSnapshot> {
  const res = await fetch(`${t.baseUrl}/api/queue`, { headers: { cookie: await cookieOf('supervisor') } });
  expect(res.status).toBe(200);
  return (await res.json()) as QueueSnapshot;
}

async function claimAs(username: string, callId: string): Promise<Response> {
  return fetch(`${t.baseUrl}/api/queue/calls/${callId}/claim`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: t.baseUrl, cookie: await cookieOf(username) },
    body: JSON.stringify({ consultationId: crypto.randomUUID() }),
  });
}

async function post(events: TelephonyEvent | TelephonyEvent[]) {
  const res = await postEvents(t.app, t.env.TELEPHONY_SECRET, events);
  expect(res.statusCode, res.body).toBe(200);
}

async function callIdOf(externalId: string): Promise<string> {
  const { rows } = await t.db.pool.query<{ id: string }>('SELECT id FROM calls WHERE external_id = $1', [
    externalId,
  ]);
  const id = rows[0]?.id;
  if (!id) throw new Error(`no call ${externalId}`);
  return id;
}

async function userIdOf(username: string): Promise<string> {
  const { rows } = await t.db.pool.query<{ id: string }>('SELECT id FROM users WHERE username = $1', [
    username,
  ]);
  return rows[0]?.id ?? '';
}

/** Waiting calls on a desk (operator1's is in Kyrgyz, operator2's in Russian). */
const desk = (page: Page) => page.getByRole('region', { name: /^(Күтүп жаткан чалуулар|Ожидающие звонки)$/ });
const row = (page: Page, callId: string) => desk(page).locator(`[data-call-id="${callId}"]`);

/** The ids the desk lists, in order, with whether each offers Take call. */
async function deskList(page: Page, take: string): Promise<{ id: string; free: boolean }[]> {
  const rows = await desk(page).getByRole('listitem').all();
  const out: { id: string; free: boolean }[] = [];
  for (const r of rows) {
    out.push({
      id: (await r.getAttribute('data-call-id')) ?? '',
      free: (await r.getByRole('button', { name: take }).count()) === 1,
    });
  }
  return out;
}

/** What the desk of `userId` must list according to GET /api/queue: waiting calls not its own, longest first. */
function expectedDesk(s: QueueSnapshot, userId: string): { id: string; free: boolean }[] {
  return s.calls
    .filter((c) => c.state === 'waiting' && c.takenBy?.id !== userId)
    .sort((a, b) => Date.parse(a.offeredAt ?? '') - Date.parse(b.offeredAt ?? '') || (a.id < b.id ? -1 : 1))
    .map((c) => ({ id: c.id, free: c.takenBy === null }));
}

const text = async (l: Locator) => ((await l.textContent()) ?? '').trim();

/**
 * Controls what the server sends this context's console over its socket: queue pushes and the answers to
 * its pings can be held back (and released later), the next push dropped, or every ping answer dropped,
 * so a test can make the console miss a change deterministically.
 */
async function controlPushes(context: BrowserContext) {
  const state = {
    hold: false,
    dropNext: false,
    dropPongs: false,
    held: [] as string[],
    dropped: 0,
  };
  let page: WebSocketRoute | null = null;
  await context.routeWebSocket(/\/socket\.io\//, (ws) => {
    page = ws;
    const server = ws.connectToServer();
    ws.onMessage((m) => server.send(m));
    server.onMessage((m) => {
      const push = typeof m === 'string' && m.startsWith('42["queue:change"');
      const pong = typeof m === 'string' && /^43\d*\[/.test(m);
      if (push && state.dropNext) {
        state.dropNext = false;
        state.dropped += 1;
      } else if (pong && state.dropPongs) {
        // dropped: the console's ping goes unanswered
      } else if ((push || pong) && state.hold) state.held.push(m as string);
      else ws.send(m);
    });
  });
  return {
    state,
    release() {
      state.hold = false;
      for (const m of state.held.splice(0)) page?.send(m);
    },
  };
}

describe('the live queue in the console', () => {
  it('shows an offered call on two desks at once, lets one operator take it, and the others follow', async () => {
    const one = await browser.newPage();
    const two = await browser.newPage();
    const sup = await browser.newPage();
    await browser.signIn(one.page, 'operator1', { landing: DESK_KY });
    await browser.signIn(two.page, 'operator2', { landing: DESK_RU });
    await browser.signIn(sup.page, 'supervisor', { landing: BOARD_KY });

    // The same caller reached the line twice before, 20 and 3 days ago; this is the third time.
    const number = '+996700555123';
    const now = Date.now();
    await post([
      callEvent('live-prev-1', 'call.offered', new Date(now - 20 * DAY), { callerNumber: number }),
      callEvent('live-prev-1', 'call.ended', new Date(now - 20 * DAY + 3_000)),
      callEvent('live-prev-2', 'call.offered', new Date(now - 3 * DAY), { callerNumber: number }),
      callEvent('live-prev-2', 'call.abandoned', new Date(now - 3 * DAY + 40_000)),
    ]);
    await post(callEvent('live-1', 'call.offered', new Date(now - 2_000), { callerNumber: number }));
    const id = await callIdOf('live-1');

    // Both desks show it without a reload: line, a running timer, the repeat hint with N = 2, Take call.
    const r1 = row(one.page, id);
    const r2 = row(two.page, id);
    await r1.waitFor();
    await r2.waitFor();
    expect(await text(r1.getByTestId('repeat-hint'))).toBe(KY.repeat(2));
    expect(await text(r2.getByTestId('repeat-hint'))).toBe(RU.repeat(2));
    expect(await text(r1.locator('.call-line'))).toBe('Линия 5200');
    const timer = r1.getByTestId('wait-timer');
    const first = await text(timer);
    expect(first).toMatch(/^\d\d:\d\d$/);
    await expect.poll(() => text(timer), SOON).not.toBe(first);
    expect(await text(timer)).toMatch(/^\d\d:\d\d$/);
    await expect
      .poll(() => text(one.page.getByTestId('waiting-count')), SOON)
      .toBe(KY.count((await snapshot()).calls.filter((c) => !c.takenBy && c.state === 'waiting').length));
    expect(await r2.getByRole('button', { name: RU.take }).isVisible()).toBe(true);

    // Operator 1 takes it with the keyboard.
    // The database is read once the claim has answered, not as soon as the desk shows the call as hers.
    const claimed = one.page.waitForResponse(
      (r) => r.url().endsWith(`/api/queue/calls/${id}/claim`) && r.request().method() === 'POST',
    );
    const take = r1.getByRole('button', { name: KY.take });
    await take.focus();
    await one.page.keyboard.press('Enter');
    expect((await claimed).status()).toBe(200);

    const mine = one.page
      .getByRole('region', { name: KY.yourCall, exact: true })
      .locator(`[data-call-id="${id}"]`);
    await mine.waitFor();
    const { rows } = await t.db.pool.query<{ id: string; reference: string }>(
      'SELECT id, reference FROM consultations WHERE call_id = $1',
      [id],
    );
    expect(rows).toHaveLength(1);
    // A person reads the draft's reference, not its UUID.
    expect(await text(mine.getByTestId('consultation-draft'))).toBe(rows[0]?.reference);
    expect(await mine.getByRole('link', { name: 'Консультациянын формасын ачуу' }).isVisible()).toBe(true);
    await r1.waitFor({ state: 'detached' });

    // Operator 2 sees it taken by operator 1, with no Take button, without a reload.
    await expect.poll(() => text(r2.getByTestId('taken-by')), SOON).toBe(RU.takenBy(OPERATOR1));
    expect(await r2.getByRole('button').count()).toBe(0);

    // The board: the call in progress, operator 1 on call, operator 2 available; figures as the API says.
    const boardRow = sup.page.locator(`[data-testid="board-call"][data-call-id="${id}"]`);
    await expect.poll(() => text(boardRow.getByTestId('board-call-state')), SOON).toBe(KY.takenBy(OPERATOR1));
    const opRow = async (username: string) =>
      sup.page.locator(`[data-testid="operator-row"][data-operator-id="${await userIdOf(username)}"]`);
    await expect
      .poll(async () => text((await opRow('operator1')).getByTestId('operator-state')), SOON)
      .toBe(KY.onCall);
    await expect
      .poll(async () => text((await opRow('operator2')).getByTestId('operator-state')), SOON)
      .toBe(KY.available);
    const s = await snapshot();
    const inProgress = s.calls.filter((c) => c.state === 'answered' || c.takenBy !== null).length;
    const waiting = s.calls.filter((c) => c.state === 'waiting' && c.takenBy === null).length;
    const onCall = s.operators.filter((o) => o.status === 'on_call').length;
    expect(inProgress).toBeGreaterThan(0);
    await expect.poll(() => text(sup.page.getByTestId('figure-in-progress')), SOON).toBe(String(inProgress));
    expect(await text(sup.page.getByTestId('figure-waiting'))).toBe(String(waiting));
    expect(await text(sup.page.getByTestId('figure-state-on_call'))).toBe(String(onCall));

    // Operator 2 goes on a break with the state control; on call and wrap-up cannot be chosen there.
    const state = two.page.getByLabel('Мой статус', { exact: true });
    expect(await state.inputValue()).toBe('available');
    expect(await state.locator('option[value="on_call"]').isDisabled()).toBe(true);
    expect(await state.locator('option[value="wrap_up"]').isDisabled()).toBe(true);
    await state.selectOption({ label: 'Перерыв' });
    await expect
      .poll(async () => text((await opRow('operator2')).getByTestId('operator-state')), SOON)
      .toBe(KY.onBreak);
    expect(await state.inputValue()).toBe('break');
    await expect
      .poll(
        async () => (await snapshot()).operators.find((o) => o.displayName.startsWith('Нургүл'))?.status,
        SOON,
      )
      .toBe('break');

    expect([...one.errors, ...two.errors, ...sup.errors]).toEqual([]);
  });

  it('after the connection drops and changes are missed, shows exactly the calls GET /api/queue returns', async () => {
    const { page, errors } = await browser.newPage();
    // Only the reconnect may bring the console up to date here, not its periodic ping.
    const pushes = await controlPushes(page.context());
    pushes.state.dropPongs = true;
    await browser.signIn(page, 'operator1', { landing: DESK_KY });
    const me = await userIdOf('operator1');
    const now = Date.now();
    await post([
      callEvent('gap-a', 'call.offered', new Date(now - 30_000)),
      callEvent('gap-b', 'call.offered', new Date(now - 20_000), { callerNumber: '+996555777888' }),
    ]);
    const [a, b] = [await callIdOf('gap-a'), await callIdOf('gap-b')];
    await row(page, a).waitFor();
    await row(page, b).waitFor();

    await page.context().setOffline(true);
    await page.getByTestId('queue-notice').getByText(KY.reconnecting).waitFor();

    // Missed while offline: a new call, one call abandoned, another taken elsewhere.
    await post([
      callEvent('gap-c', 'call.offered', new Date(now - 5_000)),
      callEvent('gap-a', 'call.abandoned', new Date(now - 1_000)),
    ]);
    const c = await callIdOf('gap-c');
    expect((await claimAs('operator3', b)).status).toBe(200);
    // Nothing reached the page: it still shows the old list.
    expect(await row(page, a).count()).toBe(1);
    expect(await row(page, c).count()).toBe(0);

    await page.context().setOffline(false);
    await page.getByTestId('queue-notice').getByText(KY.reconnecting).waitFor({ state: 'detached' });
    await expect.poll(async () => deskList(page, KY.take), SOON).toEqual(expectedDesk(await snapshot(), me));
    const listed = await deskList(page, KY.take);
    expect(listed.map((r) => r.id)).toContain(c);
    expect(listed.map((r) => r.id)).not.toContain(a);
    expect(listed.find((r) => r.id === b)?.free).toBe(false);
    expect(new Set(listed.map((r) => r.id)).size).toBe(listed.length);
    expect(errors).toEqual([]);
  });

  it('fetches a snapshot when a pushed change reveals a gap in the versions', async () => {
    const { page, errors } = await browser.newPage();
    const pushes = await controlPushes(page.context());
    pushes.state.dropPongs = true; // only the gap may bring the console up to date here
    await browser.signIn(page, 'operator1', { landing: DESK_KY });
    const me = await userIdOf('operator1');
    await expect.poll(async () => deskList(page, KY.take), SOON).toEqual(expectedDesk(await snapshot(), me));

    // The push of this call is lost between the server and the console...
    pushes.state.dropNext = true;
    await post(callEvent('lost-1', 'call.offered', new Date(Date.now() - 3_000)));
    const lost = await callIdOf('lost-1');
    await expect.poll(() => pushes.state.dropped, SOON).toBe(1);
    expect(await row(page, lost).count()).toBe(0);

    // ...and the next one, one version further, makes the console read the whole state again.
    await post(callEvent('lost-2', 'call.offered', new Date(Date.now() - 1_000)));
    const next = await callIdOf('lost-2');
    await row(page, lost).waitFor();
    await row(page, next).waitFor();
    await expect.poll(async () => deskList(page, KY.take), SOON).toEqual(expectedDesk(await snapshot(), me));
    expect(errors).toEqual([]);
  });

  it('catches a change lost with no later change to reveal it, through the periodic ping', async () => {
    const { page, errors } = await browser.newPage();
    const pushes = await controlPushes(page.context());
    await browser.signIn(page, 'operator1', { landing: DESK_KY });
    const me = await userIdOf('operator1');
    await expect.poll(async () => deskList(page, KY.take), SOON).toEqual(expectedDesk(await snapshot(), me));

    pushes.state.dropNext = true;
    await post(callEvent('quiet-1', 'call.offered', new Date(Date.now() - 2_000)));
    const id = await callIdOf('quiet-1');
    await expect.poll(() => pushes.state.dropped, SOON).toBe(1);
    expect(await row(page, id).count()).toBe(0);

    // No other change follows; the ping every 15 s reports a newer version and the console reads it.
    await row(page, id).waitFor({ timeout: 25_000 });
    await expect.poll(async () => deskList(page, KY.take), SOON).toEqual(expectedDesk(await snapshot(), me));
    expect(errors).toEqual([]);
  });

  it('says "taken by someone else" when another operator took the call first (409)', async () => {
    const { page, errors } = await browser.newPage();
    const pushes = await controlPushes(page.context());
    await browser.signIn(page, 'operator2', { landing: DESK_RU });
    await post(callEvent('race-1', 'call.offered', new Date(Date.now() - 4_000)));
    const id = await callIdOf('race-1');
    const r = row(page, id);
    const take = r.getByRole('button', { name: RU.take });
    await take.waitFor();

    // Operator 1 takes it first; the push has not reached operator 2's console yet.
    pushes.state.hold = true;
    expect((await claimAs('operator1', id)).status).toBe(200);
    expect(await take.isVisible()).toBe(true);

    const answer = page.waitForResponse((res) => res.url().endsWith(`/api/queue/calls/${id}/claim`));
    await take.click();
    expect((await answer).status()).toBe(409);
    await r.getByRole('alert').filter({ hasText: RU.takenElsewhere }).waitFor();
    expect(await r.getByRole('button').count()).toBe(0);
    // The console read the server's state at once: who took it, while the push is still held back.
    await expect.poll(() => text(r.getByTestId('taken-by')), SOON).toBe(RU.takenBy(OPERATOR1));
    expect(pushes.state.held.length).toBeGreaterThan(0);

    pushes.release();
    const me = await userIdOf('operator2');
    await expect.poll(async () => deskList(page, RU.take), SOON).toEqual(expectedDesk(await snapshot(), me));
    expect(await page.getByTestId('your-call').getByTestId('my-call').count()).toBe(0);
    expect(errors).toEqual([]);
  });
});
