import {
  consultationSaved,
  createTestApp,
  createTestBrowser,
  SOON,
  type TestApp,
  type TestBrowser,
} from '@korgon/dev/testing';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

let t: TestApp;
let browser: TestBrowser;

beforeAll(async () => {
  t = await createTestApp({ listen: true, label: 'my-work-browser' });
  browser = await createTestBrowser(t.baseUrl, {
    locale: 'ru-RU',
    ignoreConsoleErrors: /Failed to load resource/,
  });
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

const KY = {
  desk: 'Оператордун иш столу',
  newConsultation: 'Консультацияны баштоо',
  notes: 'Сүйлөшүү боюнча эскертмелер',
  saved: 'Сакталды',
  myWork: 'Менин ишим',
  myDrafts: 'Менин долбоорлорум',
  onlyHere: 'Ушул түзмөктө гана, азырынча сакталган жок',
  myShift: 'Менин кезметим',
  myReferrals: 'Менин жолдомолорум',
};
const text = async (l: Locator) => ((await l.textContent()) ?? '').trim();

/** A browser of its own (its own localStorage: another device), signed in through the form. */
async function device(username: string): Promise<{ page: Page; errors: string[] }> {
  const { page, errors } = await browser.newPage();
  await browser.signIn(page, username, { landing: KY.desk });
  return { page, errors };
}

const myDrafts = (page: Page) => page.getByRole('region', { name: KY.myDrafts, exact: true });
const draftsOf = (page: Page) => myDrafts(page).getByRole('listitem');
/** A draft in My drafts by its reference (in its link's name). */
const draftWith = (page: Page, reference: string) =>
  draftsOf(page).filter({ has: page.getByRole('link', { name: reference }) });
const formOf = (page: Page) => page.getByRole('form', { name: /^Консультация/ });

describe('my work, on every device', () => {
  it('two browsers signed in as the same operator see the same drafts, and open them', async () => {
    const a = await device('operator1');
    const b = await device('operator1');
    for (const { page } of [a, b]) {
      expect(await page.getByRole('heading', { level: 2, name: KY.myWork }).isVisible()).toBe(true);
      expect(await page.getByRole('heading', { level: 3, name: KY.myDrafts }).isVisible()).toBe(true);
      expect(await page.getByRole('heading', { level: 3, name: KY.myShift }).isVisible()).toBe(true);
      expect(await page.getByRole('heading', { level: 3, name: KY.myReferrals }).isVisible()).toBe(true);
    }

    // In A: a new consultation, typed into, saved to the server; its header shows its reference.
    await a.page.getByRole('button', { name: KY.newConsultation }).click();
    await formOf(a.page).waitFor();
    const id = (await a.page.getByTestId('consultation-page').getAttribute('data-consultation-id')) ?? '';
    const typed = consultationSaved(a.page, id, 'Кечинде чалууга болот');
    await a.page.getByLabel(KY.notes, { exact: true }).fill('Кечинде чалууга болот');
    expect((await typed).status()).toBe(200);
    await expect.poll(() => a.page.getByText(KY.saved, { exact: true }).first().isVisible(), SOON).toBe(true);
    const reference = await text(a.page.getByTestId('consultation-reference'));
    expect(reference).toMatch(/^K-\d{4}-\d{6}$/);
    await vi.waitFor(async () => {
      const stored = await t.db.pool.query('SELECT reference FROM consultations WHERE id = $1', [id]);
      expect(stored.rows[0]?.reference).toBe(reference);
    }, SOON);

    // In B, another device with nothing of it in its storage: the draft is in My work, by its reference.
    await b.page.reload();
    await b.page.getByRole('heading', { level: 1, name: KY.desk }).waitFor();
    const inB = draftWith(b.page, reference);
    await inB.waitFor(SOON);
    expect(await inB.getAttribute('data-consultation-id')).toBe(id);
    expect(await inB.getByText(KY.onlyHere).count()).toBe(0);
    expect(
      await b.page.evaluate((key) => window.localStorage.getItem(key), `korgon.consultation.${id}`),
    ).toBeNull();
    // … and opens there, with what A typed.
    await inB.getByRole('link').click();
    await formOf(b.page).waitFor();
    expect(await b.page.getByTestId('consultation-page').getAttribute('data-consultation-id')).toBe(id);
    expect(await text(b.page.getByTestId('consultation-reference'))).toBe(reference);
    await expect
      .poll(() => b.page.getByLabel(KY.notes, { exact: true }).inputValue(), SOON)
      .toBe('Кечинде чалууга болот');

    // A copy kept on B alone (as when the server could not be reached): B lists it as "only on this device",
    // A does not.
    const localId = crypto.randomUUID();
    const me = (await t.db.pool.query("SELECT id FROM users WHERE username = 'operator1'")).rows[0].id;
    await b.page.evaluate(
      ([key, entry]) => window.localStorage.setItem(key as string, entry as string),
      [
        `korgon.consultation.${localId}`,
        JSON.stringify({
          v: 1,
          id: localId,
          userId: me,
          channel: 'walk_in',
          callId: null,
          baseRevision: 0,
          taxonomyVersion: null,
          data: {},
          secret: {},
          dirty: true,
          risk: null,
          keptAt: new Date().toISOString(),
        }),
      ],
    );
    await b.page.goto(`${t.baseUrl}/#/desk`);
    const localRow = myDrafts(b.page).locator(`[data-consultation-id="${localId}"]`);
    await localRow.waitFor(SOON);
    expect(await text(localRow.locator('.badge'))).toBe(KY.onlyHere);
    expect(await localRow.getAttribute('data-reference')).toBe('');
    // Still listed in B: the one from A, by its reference.
    await draftWith(b.page, reference).waitFor(SOON);

    await a.page.goto(`${t.baseUrl}/#/desk`);
    await draftWith(a.page, reference).waitFor(SOON);
    const aIds = await draftsOf(a.page).evaluateAll((els) =>
      els.map((e) => e.getAttribute('data-consultation-id')),
    );
    expect(aIds).toContain(id);
    expect(aIds).not.toContain(localId);

    // The shift summary counts the draft A made.
    await expect.poll(() => text(a.page.getByTestId('shift-consultations')), SOON).toBe('1');
    expect(a.errors).toEqual([]);
    expect(b.errors).toEqual([]);
  });

  it('a draft created or finalized on one device shows on her other device at once, without its 30 s reload', async () => {
    const a = await device('operator1');
    const b = await device('operator1');
    // B's timers stand still from here: its 30-second reload never comes, so only the push can move its list.
    await b.page.clock.install();
    await b.page.reload();
    await b.page.getByRole('heading', { level: 1, name: KY.desk }).waitFor();
    await myDrafts(b.page).waitFor();
    await b.page.clock.pauseAt(new Date(Date.now() + 1_000));
    const reloads: string[] = [];
    b.page.on('request', (r) => {
      if (r.url().includes('/api/me/consultations?status=draft')) reloads.push(r.url());
    });

    // A opens a new consultation: its first save creates the draft on the server.
    await a.page.getByRole('button', { name: KY.newConsultation }).click();
    await formOf(a.page).waitFor();
    const id = (await a.page.getByTestId('consultation-page').getAttribute('data-consultation-id')) ?? '';
    // The revision read below is the one after this save: wait for its answer, not for "Saved".
    const typed = consultationSaved(a.page, id, 'Эртең эртең менен');
    await a.page.getByLabel(KY.notes, { exact: true }).fill('Эртең эртең менен');
    expect((await typed).status()).toBe(200);
    await expect.poll(() => a.page.getByText(KY.saved, { exact: true }).first().isVisible(), SOON).toBe(true);
    const reference = await text(a.page.getByTestId('consultation-reference'));

    // B lists it, read again because of the push.
    await draftWith(b.page, reference).waitFor(SOON);
    expect(reloads.length).toBeGreaterThanOrEqual(1);

    // Finalized (here through the API, as from a third device): B drops it from its drafts.
    const cookie = (await a.page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const saved = await t.db.pool.query<{ revision: number; channel: string }>(
      'SELECT revision, channel FROM consultations WHERE id = $1',
      [id],
    );
    const put = await fetch(`${t.baseUrl}/api/consultations/${id}`, {
      method: 'PUT',
      headers: { origin: t.baseUrl, cookie, 'content-type': 'application/json' },
      body: JSON.stringify({
        baseRevision: saved.rows[0]?.revision,
        channel: saved.rows[0]?.channel,
        data: { contactKind: 'information' },
        secret: { notes: 'Эртең эртең менен', codeWord: '', ifCallDrops: '' },
      }),
    });
    expect(put.status).toBe(200);
    const fin = await fetch(`${t.baseUrl}/api/consultations/${id}/finalize`, {
      method: 'POST',
      headers: { origin: t.baseUrl, cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ revision: (saved.rows[0]?.revision ?? 0) + 1 }),
    });
    expect(fin.status).toBe(200);
    await expect.poll(() => draftWith(b.page, reference).count(), SOON).toBe(0);
    expect(b.errors).toEqual([]);
  });
});
