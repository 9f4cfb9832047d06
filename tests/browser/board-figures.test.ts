import { mkdirSync } from 'node:fs';
import {
  signIn as apiSignIn,
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
 * The board's figures, lists and charts as a supervisor sees them: the figures panel at the top, a call offered
 * through the signed telephony API counted live and its wait ticking, the risk and referral lists, and the
 * charts drawn by their lazily loaded chunk, each an image with a name and its numbers in a table.
 */
const SHOTS = process.env.KORGON_SHOTS ?? '';
if (SHOTS) mkdirSync(SHOTS, { recursive: true });

let t: TestApp;
let browser: TestBrowser;
const SOON = { timeout: 15_000, interval: 100 };
const KY = {
  board: 'Супервайзердин тактасы',
  figures: 'Көрсөткүчтөр',
  attention: 'Тобокелдик жана жолдомолор',
  callsChart: 'Бүгүнкү жана ушундай кадимки күндөгү саат сайын чалуулар',
  showTable: 'Сандарды көрсөтүү',
};
const RU = { figures: 'Показатели', board: 'Панель супервайзера' };

beforeAll(async () => {
  t = await createTestApp({ listen: true, label: 'board-figures-browser' });
  browser = await createTestBrowser(t.baseUrl, { viewport: { width: 1366, height: 768 } });
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function post(events: TelephonyEvent | TelephonyEvent[]) {
  const res = await postEvents(t.app, t.env.TELEPHONY_SECRET, events);
  expect(res.statusCode, res.body).toBe(200);
}

const text = async (l: ReturnType<Page['getByTestId']>) => ((await l.textContent()) ?? '').trim();

async function shot(page: Page, name: string) {
  if (!SHOTS) return;
  await page.screenshot({ path: `${SHOTS}/board-${name}.png` });
  await page.screenshot({ path: `${SHOTS}/board-${name}-full.png`, fullPage: true });
}

/** Some of today's traffic and one item for the lists, so the panels have something to show. */
async function someTraffic() {
  // The calls below are a minute old: just after Bishkek midnight they would fall on yesterday, so wait it out.
  const sinceMidnight = (Date.now() + 6 * 3_600_000) % 86_400_000;
  if (sinceMidnight < 120_000) await new Promise((r) => setTimeout(r, 120_000 - sinceMidnight));
  const now = Date.now();
  const at = (s: number) => new Date(now - s * 1000);
  const run = `bf-${now}`;
  await post([
    callEvent(`${run}-1`, 'call.offered', at(60)),
    callEvent(`${run}-1`, 'call.answered', at(48), { extension: '101' }),
    callEvent(`${run}-1`, 'call.ended', at(20)),
    callEvent(`${run}-2`, 'call.offered', at(55)),
    callEvent(`${run}-2`, 'call.abandoned', at(15)),
    callEvent(`${run}-3`, 'call.offered', at(50)),
    callEvent(`${run}-3`, 'call.abandoned', at(48)),
  ]);
  const op = await apiSignIn(t.app, 'operator1');
  const id = crypto.randomUUID();
  const inject = (method: 'PUT' | 'POST', url: string, payload: Record<string, unknown>) =>
    t.app.inject({ method, url, payload, headers: { cookie: op, origin: t.baseUrl } });
  const saved = await inject('PUT', `/api/consultations/${id}`, {
    baseRevision: 0,
    channel: 'call',
    data: {
      contactKind: 'about_self',
      survivor: { region: 'KG-GB', ageBand: '26-40', gender: 'female' },
      violenceForms: ['physical'],
      consent: { referral: 'yes' },
    },
    secret: { notes: '', codeWord: '', ifCallDrops: '' },
  });
  expect(saved.statusCode).toBe(201);
  const risk = await inject('PUT', `/api/consultations/${id}/risk`, {
    methodologyId: 'kg-hotline-risk',
    version: '0.1',
    answers: { strangulation: 'yes' },
  });
  expect(risk.statusCode).toBe(200);
  const { rows } = await t.db.pool.query<{ id: string }>(
    "SELECT id FROM partner_orgs WHERE slug = 'crisis-kg-gb'",
  );
  const referral = await inject('POST', '/api/referrals', {
    id: crypto.randomUUID(),
    consultationId: id,
    partnerId: rows[0]?.id,
    urgency: 'urgent',
    consent: { basis: 'caller_consent' },
    fields: ['region'],
  });
  expect(referral.statusCode).toBe(201);
  return id;
}

describe('the board’s figures, lists and charts', () => {
  it('counts a new call live, ticks its wait, lists what needs a supervisor and draws the charts accessibly', async () => {
    const consultation = await someTraffic();
    const sup = await browser.newPage();
    await browser.signIn(sup.page, 'supervisor', { landing: KY.board });
    // Named in the supervisor's language, which the test switches below.
    const panel = sup.page.getByRole('region', { name: new RegExp(`^(${KY.figures}|${RU.figures})$`) });
    await panel.getByRole('heading', { level: 2, name: KY.figures }).waitFor();
    // The figures come first on the board, before the lists.
    const figuresTop = (await panel.boundingBox())?.y ?? 0;
    const listsTop =
      (await sup.page.getByRole('region', { name: KY.attention, exact: true }).boundingBox())?.y ?? 0;
    expect(figuresTop).toBeLessThan(listsTop);

    // Today's figures are the server's: three offered, one answered, two abandoned, one of them short.
    await expect.poll(() => text(panel.getByTestId('metric-offered-today')), SOON).toBe('3');
    expect(await text(panel.getByTestId('metric-answered-today'))).toBe('1');
    expect(await text(panel.getByTestId('metric-abandoned-today'))).toBe('2');
    expect(await text(panel.getByTestId('metric-short-today'))).toBe('1');
    // Answered in 12 s of 20: one of (1 answered + 2 abandoned − 1 short) = 50 %, below the 80 % target, in words.
    expect(await text(panel.getByTestId('metric-sl-today'))).toMatch(/50\s?%.*80/);
    expect(await text(panel.getByTestId('metric-asa-today'))).toBe('00:12');

    const waiting = panel.getByTestId('figure-waiting');
    await expect.poll(() => text(waiting), SOON).toMatch(/^\d+$/);
    const before = Number(await text(waiting));
    expect(await panel.getByTestId('figure-longest-wait').getAttribute('data-long')).toBe('false');

    // A caller rings: the PBX's signed call.offered is counted on the board within moments, without a reload.
    await post(callEvent(`bf-live-${Date.now()}`, 'call.offered', new Date(Date.now() - 2_000)));
    await expect.poll(() => text(waiting), SOON).toBe(String(before + 1));
    const wait = panel.getByTestId('figure-longest-wait-time');
    await expect.poll(() => text(wait), SOON).toMatch(/^00:\d\d$/);
    const first = await text(wait);
    await expect.poll(() => text(wait), SOON).not.toBe(first);

    // The lists: the high-risk draft, and the urgent referral with its countdown.
    const attention = sup.page.getByRole('region', { name: KY.attention, exact: true });
    await attention.getByRole('heading', { level: 2, name: KY.attention }).waitFor();
    const high = attention.locator(`[data-testid="attention-high-risk-item"][data-id="${consultation}"]`);
    await high.waitFor();
    expect(await high.getByRole('link').getAttribute('href')).toBe(`#/consultations/${consultation}`);
    const urgent = attention.getByTestId('attention-urgent').getByTestId('open-referral');
    await urgent.waitFor();
    expect(await urgent.getByTestId('urgent-countdown').getAttribute('data-overdue')).toBe('false');
    expect(await text(attention.getByTestId('attention-urgent-count'))).toBe('1');
    await shot(sup.page, 'ky');

    // The charts: their chunk is fetched on the board, each chart an image with a name, its numbers a button away.
    const charts = sup.page.getByTestId('charts-panel');
    await charts.scrollIntoViewIfNeeded();
    const chart = charts.getByRole('img', { name: KY.callsChart });
    await chart.waitFor(SOON);
    expect(sup.scripts.some((s) => /\/assets\/board-charts-[^/]+\.js$/.test(s))).toBe(true);
    expect(await charts.locator('svg[role="img"]').count()).toBe(3);
    const toggle = charts.getByTestId('chart-calls-toggle');
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    await toggle.click();
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    expect(await charts.getByTestId('chart-calls-row').count()).toBe(24);
    if (SHOTS) await charts.screenshot({ path: `${SHOTS}/board-charts-ky.png` });

    // In Russian, the same board.
    await sup.page.getByTestId('language-switcher').getByRole('button', { name: 'Русский' }).click();
    await sup.page.getByRole('heading', { level: 1, name: RU.board }).waitFor();
    await panel.getByRole('heading', { level: 2, name: RU.figures }).waitFor();
    await sup.page.evaluate(() => window.scrollTo(0, 0));
    await shot(sup.page, 'ru');

    expect(sup.errors).toEqual([]);
  });
});
