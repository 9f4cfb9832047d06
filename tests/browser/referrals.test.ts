import { mkdirSync } from 'node:fs';
import {
  createTestApp,
  createTestBrowser,
  signInOverHttp,
  startTestWorker,
  type TestApp,
  type TestBrowser,
  testQueues,
} from '@korgon/dev/testing';
import { jobIds, type Partner, type Referral } from '@korgon/domain';
import type { JobQueues } from '@korgon/jobs';
import type { WorkerHandle } from '@korgon/worker';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

let t: TestApp;
let browser: TestBrowser;
let worker: WorkerHandle;
let jobs: JobQueues;
let police = '';

beforeAll(async () => {
  t = await createTestApp({ listen: true, label: 'referrals-browser' });
  worker = await startTestWorker(t.databaseUrl, t.env);
  jobs = testQueues(t.env);
  // Console errors but those of refused requests count (the tests check the answers themselves).
  browser = await createTestBrowser(t.baseUrl, {
    locale: 'ru-RU',
    ignoreConsoleErrors: /Failed to load resource/,
  });
  const { rows } = await t.db.pool.query<{ id: string }>(
    "SELECT id FROM partner_orgs WHERE slug = 'police-kg-gb'",
  );
  police = rows[0]?.id ?? '';
  expect(police).toMatch(/^[0-9a-f-]{36}$/);
});
afterAll(async () => {
  await browser?.close();
  await jobs?.close();
  await worker?.stop();
  await t?.close();
});

const SOON = { timeout: 20_000, interval: 100 };
/** Screenshots for people to look at; nothing asserts on them. */
const SHOTS = process.env.KORGON_SHOTS ?? '';
if (SHOTS) mkdirSync(SHOTS, { recursive: true });
async function shot(page: Page, name: string, target?: Locator) {
  if (!SHOTS) return;
  if (target) {
    await target.screenshot({ path: `${SHOTS}/${name}.png` });
    return;
  }
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

const LANDING = {
  operator: 'Оператордун иш столу',
  supervisor: 'Супервайзердин тактасы',
  partner: 'Входящие направления',
  admin: 'Administration',
};
const POLICE = { ky: 'Милиция: Бишкек шаары', ru: 'Милиция: город Бишкек', en: 'Police: Bishkek City' };

const cookies = new Map<string, string>();
async function cookieOf(username: string): Promise<string> {
  const known = cookies.get(username);
  if (known) return known;
  // Second factor included, for the roles that have one.
  const cookie = await signInOverHttp(t.baseUrl, username);
  cookies.set(username, cookie);
  return cookie;
}

async function apiAs(username: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${t.baseUrl}${path}`, {
    method,
    headers: {
      origin: t.baseUrl,
      cookie: await cookieOf(username),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json().catch(() => null)) as unknown };
}

/** A consultation by operator1 in Bishkek, with high risk (strangulation) and the given consent to refer. */
async function consultation(consent: 'yes' | 'no', survivor: Record<string, string> = {}): Promise<string> {
  const id = crypto.randomUUID();
  const save = await apiAs('operator1', 'PUT', `/api/consultations/${id}`, {
    baseRevision: 0,
    channel: 'call_back',
    data: {
      contactKind: 'about_self',
      survivor: { region: 'KG-GB', ageBand: '26-40', gender: 'female', language: 'ky', ...survivor },
      violenceForms: ['physical', 'threats'],
      childrenAffected: 'yes',
      consent: { referral: consent },
      safeContact: { safeToTalk: 'no', callbackFrom: '18:00', callbackTo: '20:00' },
    },
    secret: { notes: 'private notes that never leave Korgon', codeWord: 'apricot', ifCallDrops: '' },
  });
  expect(save.status).toBe(201);
  const risk = await apiAs('operator1', 'PUT', `/api/consultations/${id}/risk`, {
    methodologyId: 'kg-hotline-risk',
    version: '0.1',
    answers: { strangulation: 'yes' },
  });
  expect(risk.status).toBe(200);
  return id;
}

async function statusOf(id: string): Promise<string | undefined> {
  const { rows } = await t.db.pool.query<{ status: string }>('SELECT status FROM referrals WHERE id = $1', [
    id,
  ]);
  return rows[0]?.status;
}

/** The text of an element, its parts (a label and its value, the lines of a list) separated by spaces. */
const text = (l: Locator) =>
  l.evaluate((el) => {
    const parts: string[] = [];
    const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    while (walk.nextNode()) parts.push(walk.currentNode.textContent ?? '');
    return parts.join(' ').replace(/\s+/g, ' ').trim();
  });
/** The words themselves (a badge is drawn in capitals; it says "Срочно"). */
const words = async (l: Locator) => ((await l.textContent()) ?? '').trim();

async function openConsultation(page: Page, id: string) {
  await page.goto(`${t.baseUrl}/#/consultations/${id}`);
  await page.getByTestId('referrals').waitFor();
  await page.getByTestId('referral-form').waitFor();
}

describe('referrals in the console', () => {
  it('an operator sends an urgent referral to the police portal; the partner acknowledges it on a phone, seeing only the chosen fields; the operator sees it live', async () => {
    const k = await consultation('yes');
    const op = await browser.newPage();
    await browser.signIn(op.page, 'operator1', { landing: LANDING.operator });
    await openConsultation(op.page, k);
    const section = op.page.getByTestId('referrals');
    const form = section.getByTestId('referral-form');
    await expect
      .poll(() => text(section.getByTestId('referrals-empty')), SOON)
      .toBe('Бул консультациядан азырынча жолдомо жөнөтүлгөн жок.');

    // The police of Bishkek is suggested, with why: the risk assessment calls for it and it serves the region.
    const suggestion = form.getByTestId('referral-suggestions').locator(`[data-partner-id="${police}"]`);
    await suggestion.waitFor();
    expect(await text(suggestion)).toContain(POLICE.ky);
    expect(await text(suggestion)).toContain('Коркунучту баалоо боюнча керек');
    expect(await text(suggestion)).toContain('Чалуучунун аймагын тейлейт');

    // Only region and risk level are ticked at first; nothing else is.
    const box = (field: string) => form.locator(`input[type="checkbox"][data-field="${field}"]`);
    for (const f of ['region', 'riskLevel']) expect(await box(f).isChecked()).toBe(true);
    for (const f of [
      'settlement',
      'ageBand',
      'gender',
      'language',
      'violenceForms',
      'childrenAffected',
      'safeContact',
      'message',
    ])
      expect(await box(f).isChecked()).toBe(false);

    // By keyboard: the suggested partner (Space), urgency, the safe-contact window and a message.
    await suggestion.locator('input').focus();
    await op.page.keyboard.press('Space');
    expect(await suggestion.locator('input').isChecked()).toBe(true);
    expect(await form.getByTestId('referral-partner-select').inputValue()).toBe(police);
    const urgent = form.getByTestId('referral-urgency').getByLabel('Шашылыш', { exact: true });
    await urgent.focus();
    await op.page.keyboard.press('Space');
    expect(await urgent.isChecked()).toBe(true);
    const consented = form.getByTestId('referral-consent').getByLabel('Чалуучу макул болду');
    expect(await consented.isDisabled()).toBe(false);
    expect(await consented.isChecked()).toBe(true);
    await box('safeContact').focus();
    await op.page.keyboard.press('Space');
    await box('message').focus();
    await op.page.keyboard.press('Space');
    await form.getByLabel('Өнөктөшкө билдирүү').fill('Ask for Aigul; she can talk after 18:00.');

    // The preview is exactly what the partner will receive, with the consultation's labels.
    const preview = form.getByTestId('referral-preview');
    const fieldsShown = await preview
      .locator('[data-field]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-field')));
    expect(fieldsShown).toEqual(['region', 'riskLevel', 'safeContact', 'message']);
    expect(await text(preview.getByTestId('content-region'))).toBe('Аймак Бишкек шаары');
    expect(await text(preview.getByTestId('content-riskLevel'))).toBe('Коркунуч деңгээли Жогору');
    expect(await text(preview.getByTestId('content-safeContact'))).toContain(
      '18:00 менен 20:00 ортосунда кайра чалуу',
    );
    expect(await text(preview)).not.toContain('Физикалык');
    await shot(op.page, 'referral-form', section);

    await op.page.evaluate(() => {
      (window as unknown as { notReloaded: boolean }).notReloaded = true;
    });
    await form.getByTestId('referral-send').focus();
    await op.page.keyboard.press('Enter');
    await section.getByTestId('referral').waitFor();
    expect(await section.getByTestId('referral').count()).toBe(1);
    const id = (await section.getByTestId('referral').getAttribute('data-referral-id')) ?? '';
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const card = section.locator(`[data-testid="referral"][data-referral-id="${id}"]`);
    expect(await text(op.page.getByTestId('referrals-live-polite'))).toContain(POLICE.ky);
    // The worker delivers it to the portal; the operator's list follows.
    await expect.poll(() => card.getAttribute('data-status'), SOON).toBe('delivered');
    const stored = await apiAs('operator1', 'GET', `/api/referrals/${id}`);
    expect(stored.json).toMatchObject({
      urgency: 'urgent',
      fields: ['region', 'riskLevel', 'safeContact', 'message'],
      consent: { basis: 'caller_consent', exception: null },
    });
    // After sending, the form is empty again: a second press would not send the same referral twice.
    expect(await form.getByTestId('referral-partner-select').inputValue()).toBe('');

    // The partner, on a phone, in Russian.
    const partner = await browser.newPage({ viewport: { width: 375, height: 812 } });
    await browser.signIn(partner.page, 'partner-police-bishkek', { landing: LANDING.partner });
    const item = partner.page.locator(`[data-testid="inbox-referral"][data-referral-id="${id}"]`);
    await item.waitFor();
    expect(await item.getAttribute('data-urgency')).toBe('urgent');
    expect(await words(item.getByTestId('urgent-badge'))).toBe('Срочно');
    const content = item.getByTestId('inbox-content');
    const received = await content
      .locator('[data-field]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-field')));
    expect(received).toEqual(['region', 'riskLevel', 'safeContact', 'message']);
    expect(await text(content.getByTestId('content-region'))).toBe('Регион город Бишкек');
    expect(await text(content.getByTestId('content-riskLevel'))).toBe('Уровень риска Высокий');
    expect(await text(content.getByTestId('content-safeContact'))).toBe(
      'Безопасная связь Сейчас безопасно говорить: Нет Перезвонить с 18:00 до 20:00',
    );
    expect(await text(content.getByTestId('content-message'))).toBe(
      'Сообщение оператора Ask for Aigul; she can talk after 18:00.',
    );
    // What was not chosen is not there, nor anything else of the record.
    const inboxText = await text(partner.page.getByTestId('inbox'));
    for (const absent of [
      'Формы насилия',
      'Физическое',
      'Возраст',
      '26–40',
      'Пол',
      'Женский',
      'Дети',
      'private notes',
      'apricot',
      'Айгүл',
      k,
    ])
      expect(inboxText).not.toContain(absent);
    // It fits a phone: nothing scrolls sideways.
    expect(await partner.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(
      true,
    );
    await shot(partner.page, 'inbox-375-ru');

    await item.getByRole('button', { name: 'Подтвердить получение' }).click();
    await expect.poll(() => item.getAttribute('data-status'), SOON).toBe('acknowledged');
    expect(await text(item.getByTestId('inbox-status'))).toBe('Получение подтверждено');
    expect(await item.getByRole('button', { name: 'Принять' }).count()).toBe(1);
    expect(await item.getByRole('button', { name: 'Подтвердить получение' }).count()).toBe(0);

    // The operator sees it acknowledged without reloading.
    await expect.poll(() => card.getAttribute('data-status'), SOON).toBe('acknowledged');
    expect(await text(card.getByTestId('referral-status'))).toBe('Алынганы ырасталды');
    const timeline = await card
      .getByTestId('timeline-event')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-status')));
    expect(timeline).toEqual(['queued', 'sent', 'delivered', 'acknowledged']);
    expect(
      await op.page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded === true),
    ).toBe(true);
    await shot(op.page, 'referral-acknowledged', section);

    // The same inbox in Kyrgyz, still on the phone.
    await partner.page.getByTestId('language-switcher').getByRole('button', { name: 'Кыргызча' }).click();
    await partner.page.getByRole('heading', { level: 1, name: 'Келген жолдомолор' }).waitFor();
    expect(await text(item.getByTestId('inbox-status'))).toBe('Алынганы ырасталды');
    expect(await text(content.getByTestId('content-region'))).toBe('Аймак Бишкек шаары');
    expect(await words(item.getByTestId('urgent-badge'))).toBe('Шашылыш');
    expect(await partner.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(
      true,
    );
    await shot(partner.page, 'inbox-375-ky');
    await partner.page.getByTestId('language-switcher').getByRole('button', { name: 'Русский' }).click();
    await partner.page.getByRole('heading', { level: 1, name: LANDING.partner }).waitFor();

    expect(op.errors).toEqual([]);
    expect(partner.errors).toEqual([]);
  });

  it('offers the settlement with the taxonomy’s label; text that is not one of its choices cannot be sent', async () => {
    const op = await browser.newPage();
    await browser.signIn(op.page, 'operator1', { landing: LANDING.operator });
    const settlementOf = async (k: string) => {
      await openConsultation(op.page, k);
      // A fresh load, so that nothing of the consultation opened before is still on the page.
      await op.page.reload();
      const form = op.page.getByTestId('referrals').getByTestId('referral-form');
      await form.waitFor();
      return {
        box: form.locator('input[type="checkbox"][data-field="settlement"]'),
        choice: form.locator('label.choice:has(input[data-field="settlement"])'),
      };
    };

    const rural = await settlementOf(await consultation('yes', { settlement: 'rural' }));
    await expect.poll(() => text(rural.choice), SOON).toContain('Айыл');
    expect(await rural.box.isDisabled()).toBe(false);

    // Typed into a draft through the API: not offered, and the operator is told what to do.
    const typed = await settlementOf(await consultation('yes', { settlement: 'Ош, Ленина 5' }));
    await expect.poll(() => text(typed.choice), SOON).toContain('тизмеден эмес');
    expect(await text(typed.choice)).not.toContain('Ленина');
    expect(await typed.box.isDisabled()).toBe(true);
    expect(await typed.box.isChecked()).toBe(false);
  });

  it('a new referral arrives in the partner inbox live; rejecting it needs a reason, which the operator then sees', async () => {
    const partner = await browser.newPage({ viewport: { width: 375, height: 812 } });
    await browser.signIn(partner.page, 'partner-police-bishkek', { landing: LANDING.partner });
    await partner.page.getByTestId('inbox-summary').waitFor();

    const k = await consultation('yes');
    const sent = await apiAs('operator1', 'POST', '/api/referrals', {
      id: crypto.randomUUID(),
      consultationId: k,
      partnerId: police,
      urgency: 'standard',
      consent: { basis: 'caller_consent' },
      fields: ['region'],
    });
    expect(sent.status).toBe(201);
    const id = (sent.json as Referral).id;

    // Pushed, not fetched: the page was not reloaded; a standard one is announced politely.
    const item = partner.page.locator(`[data-testid="inbox-referral"][data-referral-id="${id}"]`);
    await item.waitFor({ timeout: 20_000 });
    await expect.poll(() => item.getAttribute('data-status'), SOON).toBe('delivered');
    expect(await item.getAttribute('data-urgency')).toBe('standard');
    expect(await item.getByTestId('urgent-badge').count()).toBe(0);
    expect(await text(partner.page.getByTestId('inbox-live-polite'))).toMatch(/^Новое направление, /);
    expect(await text(partner.page.getByTestId('inbox-live-assertive'))).toBe('');
    // The newest is first.
    expect(await partner.page.getByTestId('inbox-referral').first().getAttribute('data-referral-id')).toBe(
      id,
    );

    await item.getByRole('button', { name: 'Отклонить…' }).click();
    const reject = item.getByRole('button', { name: 'Отклонить направление' });
    await reject.click();
    expect(await text(item.getByTestId('inbox-reason-error'))).toBe('Укажите причину отказа.');
    const reason = item.getByLabel('Причина отказа');
    expect(await reason.getAttribute('aria-invalid')).toBe('true');
    expect(await partner.page.evaluate(() => document.activeElement?.tagName)).toBe('TEXTAREA');
    await shot(partner.page, 'inbox-375-reject-reason');
    expect(await statusOf(id)).toBe('delivered');

    await reason.fill('Не наш район: направьте в Свердловский РОВД');
    await reject.click();
    await expect.poll(() => item.getAttribute('data-status'), SOON).toBe('rejected');
    expect(await text(item.getByTestId('inbox-rejection'))).toBe(
      'Отклонено: Не наш район: направьте в Свердловский РОВД',
    );
    expect(await item.getByRole('button').count()).toBe(0);
    await shot(partner.page, 'inbox-375-rejected');

    // An urgent one is announced assertively.
    const urgent = await apiAs('operator1', 'POST', '/api/referrals', {
      id: crypto.randomUUID(),
      consultationId: k,
      partnerId: police,
      urgency: 'urgent',
      consent: { basis: 'caller_consent' },
      fields: ['region', 'riskLevel'],
    });
    expect(urgent.status).toBe(201);
    const urgentItem = partner.page.locator(
      `[data-testid="inbox-referral"][data-referral-id="${(urgent.json as Referral).id}"]`,
    );
    await urgentItem.waitFor({ timeout: 20_000 });
    expect(await urgentItem.getAttribute('data-urgency')).toBe('urgent');
    await expect
      .poll(() => text(partner.page.getByTestId('inbox-live-assertive')), SOON)
      .toMatch(/^Новое срочное направление, /);

    await vi.waitFor(async () => {
      const seen = await apiAs('operator1', 'GET', `/api/referrals/${id}`);
      expect(seen.json).toMatchObject({
        status: 'rejected',
        rejectionReason: 'Не наш район: направьте в Свердловский РОВД',
      });
    }, SOON);
    // The operator's consultation shows the partner's reason.
    const op = await browser.newPage();
    await browser.signIn(op.page, 'operator1', { landing: LANDING.operator });
    await openConsultation(op.page, k);
    const card = op.page.locator(`[data-testid="referral"][data-referral-id="${id}"]`);
    expect(await text(card.getByTestId('referral-rejection'))).toBe(
      'Өнөктөш четке какты: Не наш район: направьте в Свердловский РОВД',
    );
    expect(partner.errors).toEqual([]);
    expect(op.errors).toEqual([]);
  });

  it('a referral under a consent exception needs its reason and shows up on the supervisor board', async () => {
    const sup = await browser.newPage();
    await browser.signIn(sup.page, 'supervisor', { landing: LANDING.supervisor });
    await sup.page.getByTestId('open-referrals').waitFor();

    const k = await consultation('no');
    const op = await browser.newPage();
    await browser.signIn(op.page, 'operator1', { landing: LANDING.operator });
    await openConsultation(op.page, k);
    const form = op.page.getByTestId('referral-form');
    // Without consent recorded, "the caller consented" cannot be chosen, and the form says why.
    const consented = form.getByTestId('referral-consent').getByLabel('Чалуучу макул болду');
    expect(await consented.isDisabled()).toBe(true);
    expect(await text(form.getByTestId('referral-consent-hint'))).toContain('(азыр: Жок)');
    await form.getByTestId('referral-partner-select').selectOption(police);

    // Sending with no basis chosen is refused here, with the field marked.
    await form.getByTestId('referral-send').click();
    await form.getByTestId('referral-form-problem').waitFor();
    expect(await statusCount(k)).toBe(0);

    await form.getByTestId('referral-consent').getByLabel('Макулдуксуз өзгөчө учур').check();
    const exception = form.getByTestId('referral-exception');
    expect(await text(exception)).toContain(
      'Макулдуксуз жөнөтүү супервайзерлерге дароо билдирилет жана аудит журналына жазылат.',
    );
    await exception.getByLabel('өмүргө түздөн-түз коркунуч').check();
    const reason = exception.getByLabel('Өзгөчө учурдун себеби');
    await reason.fill('Коркунуч');
    await form.getByTestId('referral-send').click();
    await expect.poll(() => reason.getAttribute('aria-invalid'), SOON).toBe('true');
    expect(await statusCount(k)).toBe(0);
    await shot(op.page, 'referral-exception', form);
    await reason.fill('He is outside the door with a knife right now');
    await form.getByTestId('referral-send').click();
    await op.page.getByTestId('referral').waitFor();
    const id = (await op.page.getByTestId('referral').getAttribute('data-referral-id')) ?? '';
    const card = op.page.locator(`[data-testid="referral"][data-referral-id="${id}"]`);
    expect(await text(card.getByTestId('referral-consent-shown'))).toBe(
      'Негиз: макулдуксуз өзгөчө учур (өмүргө түздөн-түз коркунуч): He is outside the door with a knife right now',
    );

    // The supervisor's board: the alert, in Kyrgyz, with the partner's Kyrgyz name, and the open referral. The
    // exception's kind is on it, never its reason (free text): that stays on the referral.
    const alert = sup.page.locator(
      `[data-testid="board-alert"][data-referral-id="${id}"][data-kind="consent_exception"]`,
    );
    await alert.waitFor({ timeout: 20_000 });
    expect(await text(alert.getByTestId('board-alert-kind'))).toBe('Макулдуксуз жөнөтүлдү');
    expect(await text(alert)).toContain('Өзгөчө учур: өмүргө түздөн-түз коркунуч');
    expect(await text(alert)).not.toContain('knife');
    expect(await alert.getByRole('link').getAttribute('href')).toBe(`#/consultations/${k}`);
    expect(await text(sup.page.getByTestId('alerts-live-polite'))).toContain('Макулдуксуз жөнөтүлдү');
    const row = sup.page.locator(`[data-testid="open-referral"][data-referral-id="${id}"]`);
    await row.waitFor();
    expect(await text(row)).toContain('Макулдуксуз');
    await expect.poll(() => row.getAttribute('data-status'), SOON).toBe('delivered');
    await expect.poll(() => text(alert.getByTestId('board-alert-referral')), SOON).toContain(POLICE.ky);
    await shot(sup.page, 'board-referrals');

    // The operator revokes it; the board's open referrals drop it at once.
    await card.getByRole('button', { name: 'Кайтарып алуу' }).click();
    await card.getByRole('button', { name: 'Ооба, кайтарып алуу' }).click();
    await expect.poll(() => card.getAttribute('data-status'), SOON).toBe('revoked');
    await expect.poll(() => row.count(), SOON).toBe(0);
    await expect.poll(() => statusOf(id), SOON).toBe('revoked');
    expect(op.errors).toEqual([]);
    expect(sup.errors).toEqual([]);
  });

  it('a failed delivery shows its reason with Retry and Redirect; the supervisor redirects it in one click to the suggested partner', async () => {
    // A police partner whose system was never given a signing secret: every delivery attempt fails.
    const made = await apiAs('admin', 'POST', '/api/admin/partners', {
      slug: 'police-hook',
      name: { ky: 'Милиция (API)', ru: 'Милиция (API)', en: 'Police (API)' },
      type: 'police',
      regions: ['KG-GB'],
      channel: 'webhook',
      webhookUrl: 'https://police-hook.example.kg/korgon',
    });
    expect(made.status).toBe(201);
    const hook = (made.json as Partner).id;

    const sup = await browser.newPage();
    await browser.signIn(sup.page, 'supervisor', { landing: LANDING.supervisor });
    await sup.page.getByTestId('open-referrals').waitFor();
    const k = await consultation('yes');
    const op = await browser.newPage();
    await browser.signIn(op.page, 'operator1', { landing: LANDING.operator });
    await openConsultation(op.page, k);
    const form = op.page.getByTestId('referral-form');
    await form.getByTestId('referral-partner-select').selectOption(hook);
    await form.getByTestId('referral-send').click();
    await op.page.getByTestId('referral').waitFor();
    const id = (await op.page.getByTestId('referral').getAttribute('data-referral-id')) ?? '';
    const card = op.page.locator(`[data-testid="referral"][data-referral-id="${id}"]`);

    // Time passes: each retry comes due at once instead of after its backoff, until the last attempt fails.
    await failAllAttempts(id);
    await expect.poll(() => card.getAttribute('data-status'), SOON).toBe('failed');
    expect(await text(card.getByTestId('referral-status'))).toBe('Жеткирилген жок');
    expect(await text(card.getByTestId('referral-last-error'))).toBe(
      'Себеби: the partner has no signing secret',
    );
    expect(await card.getByRole('button', { name: 'Кайра жеткирүү' }).count()).toBe(1);
    expect(await card.getByLabel('Анын ордуна жөнөтүү').count()).toBe(1);
    expect(await text(op.page.getByTestId('referrals-live-assertive'))).toContain('Жеткирилген жок');
    await shot(op.page, 'referral-failed', card);

    // Retry: back in the queue, the reason cleared.
    await card.getByRole('button', { name: 'Кайра жеткирүү' }).click();
    await expect.poll(() => card.getAttribute('data-status'), SOON).not.toBe('failed');
    expect(await card.getByTestId('referral-failed').count()).toBe(0);
    await failAllAttempts(id);
    await expect.poll(() => card.getAttribute('data-status'), SOON).toBe('failed');

    // The board: the failure, with the next suitable partner (the police portal in Bishkek) one click away.
    // (The first failure's alert was resolved by the retry; this failure is a new one.)
    const open = sup.page
      .locator(
        `[data-testid="board-alert"][data-referral-id="${id}"][data-kind="referral_failed"][data-state="open"]`,
      )
      .first();
    await open.waitFor({ timeout: 20_000 });
    const alert = sup.page.locator(
      `[data-testid="board-alert"][data-alert-id="${await open.getAttribute('data-alert-id')}"]`,
    );
    expect(await text(alert.getByTestId('board-alert-referral'))).toContain('Милиция (API)');
    expect(await text(sup.page.getByTestId('alerts-live-assertive'))).toContain('Жолдомо жеткирилген жок');
    const redirect = alert.getByTestId('referral-alert-redirect');
    await expect.poll(() => text(redirect), SOON).toBe(`Жөнөтүү: ${POLICE.ky}`);
    await shot(sup.page, 'board-failed-alert', sup.page.getByTestId('alerts-panel'));
    await redirect.click();
    expect(await text(alert.getByTestId('referral-alert-redirected'))).toBe(`Жөнөтүлдү: ${POLICE.ky}.`);
    // Read until the database has the redirect, not once as soon as the alert says so.
    const rows = await vi.waitFor(async () => {
      expect(await statusOf(id)).toBe('revoked');
      const { rows } = await t.db.pool.query<{ id: string; partner_org_id: string }>(
        'SELECT id, partner_org_id FROM referrals WHERE consultation_id = $1 AND id <> $2',
        [k, id],
      );
      expect(rows.map((r) => r.partner_org_id)).toEqual([police]);
      return rows;
    }, SOON);
    const redirected = rows[0]?.id ?? '';
    const row = sup.page.locator(`[data-testid="open-referral"][data-referral-id="${redirected}"]`);
    await row.waitFor();
    await expect.poll(() => row.getAttribute('data-status'), SOON).toBe('delivered');

    // The operator's page follows: the first one revoked as redirected.
    await expect.poll(() => card.getAttribute('data-status'), SOON).toBe('revoked');
    const notes = await text(card.getByTestId('timeline-event').last());
    expect(notes).toContain('башка өнөктөшкө жөнөтүлдү');
    // ...and the referral that replaced it, although a supervisor made it.
    const second = op.page.locator(`[data-testid="referral"][data-referral-id="${redirected}"]`);
    await second.waitFor({ timeout: 20_000 });
    expect(await text(second.getByRole('heading'))).toBe(POLICE.ky);
    expect(op.errors).toEqual([]);
    expect(sup.errors).toEqual([]);
  });

  it('an administrator adds a webhook partner and makes its secret, shown once', async () => {
    const admin = await browser.newPage();
    await browser.signIn(admin.page, 'admin', { landing: LANDING.admin });
    await admin.page.getByRole('tab', { name: 'Partners' }).click();
    const panel = admin.page.getByRole('region', { name: 'Partner organisations', exact: true });
    await panel.locator('[data-testid="partner-row"][data-slug="police-kg-gb"]').waitFor();
    await panel.getByRole('button', { name: 'Add a partner organisation' }).click();
    const form = panel.getByTestId('partner-form');
    await form.getByLabel('Name in Kyrgyz').fill('Кризистик борбор «Сезим»');
    await form.getByLabel('Name in Russian').fill('Кризисный центр «Сезим»');
    await form.getByLabel('Name in English').fill('Sezim crisis centre');
    await form.getByLabel('Short name').fill('sezim');
    await form.getByLabel('Type').selectOption('crisis_centre');
    await form.getByTestId('partner-channel').getByLabel('Webhook').check();
    // Without a region and a webhook URL, it is refused here, naming both.
    await form.getByRole('button', { name: 'Add organisation' }).click();
    await expect.poll(() => text(form), SOON).toContain('Choose at least one region served.');
    expect(await text(form)).toContain('A webhook partner needs its webhook URL');
    await form.getByLabel('Bishkek City').check();
    await form.getByLabel('Webhook URL').fill('https://sezim.example.kg/korgon');
    await form.getByTestId('partner-hours').getByLabel('Set opening hours').check();
    await form.getByRole('button', { name: 'Add a contact' }).click();
    await form.getByLabel('Name', { exact: true }).fill('Aida');
    await form.getByLabel('Phone').fill('+996 312 000000');
    await shot(admin.page, 'admin-partner-form', form);
    await form.getByRole('button', { name: 'Add organisation' }).click();
    const row = panel.locator('[data-testid="partner-row"][data-slug="sezim"]');
    await row.waitFor();
    expect(await text(row)).toContain('Mon–Fri 09:00–18:00');
    expect(await text(row)).toContain('No secret yet');

    await row.getByRole('button', { name: 'Make webhook secret' }).click();
    const box = panel.getByTestId('webhook-secret');
    await box.waitFor();
    expect(await text(box)).toContain('Shown once.');
    const secret = await box.getByTestId('webhook-secret-value').inputValue();
    expect(secret.length).toBeGreaterThanOrEqual(40);
    await expect.poll(() => text(row), SOON).toContain('Secret set');
    await shot(admin.page, 'admin-partners');
    const list = await vi.waitFor(async () => {
      const answer = await apiAs('admin', 'GET', '/api/admin/partners');
      expect((answer.json as Partner[]).find((p) => p.slug === 'sezim')?.hasWebhookSecret).toBe(true);
      return answer;
    }, SOON);
    const made = (list.json as Partner[]).find((p) => p.slug === 'sezim');
    expect(made).toMatchObject({
      channel: 'webhook',
      webhookUrl: 'https://sezim.example.kg/korgon',
      regions: ['KG-GB'],
      hours: { weekdays: ['09:00', '18:00'] },
      contacts: [{ name: 'Aida', phone: '+996 312 000000' }],
      hasWebhookSecret: true,
    });
    expect(JSON.stringify(list.json)).not.toContain(secret);
    await box.getByRole('button', { name: 'I have copied it: hide' }).click();
    expect(await panel.getByTestId('webhook-secret').count()).toBe(0);
    expect(await admin.page.content()).not.toContain(secret);

    // The escalation time per partner type: 0 minutes is refused beside the field, 30 is saved.
    const escalation = panel.getByTestId('escalation-form');
    const minutes = escalation.getByLabel('Minutes', { exact: true });
    await escalation.getByLabel('Type', { exact: true }).selectOption('crisis_centre');
    await minutes.fill('0');
    await escalation.getByRole('button', { name: 'Save', exact: true }).click();
    await escalation.getByText('Enter whole minutes from 1 to 1440.').waitFor();
    expect(await minutes.getAttribute('aria-invalid')).toBe('true');
    expect(await minutes.evaluate((e) => e === document.activeElement)).toBe(true);
    await minutes.fill('30');
    await escalation.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => text(escalation.getByRole('status')), SOON).toContain('30 min.');
    expect(await minutes.getAttribute('aria-invalid')).toBeNull();
    const escalations = (await apiAs('admin', 'GET', '/api/admin/partner-types/escalation')).json as {
      type: string;
      minutes: number;
    }[];
    expect(escalations.find((r) => r.type === 'crisis_centre')?.minutes).toBe(30);
    expect(admin.errors).toEqual([]);
  });
});

/** Makes every delivery attempt waiting out its backoff come due now, until the last one has failed. */
async function failAllAttempts(id: string) {
  await vi.waitFor(
    async () => {
      if ((await statusOf(id)) === 'failed') return;
      const job = await jobs.queues.referrals.getJob(jobIds.deliver(id));
      if ((await job?.getState()) === 'delayed') await job?.promote().catch(() => undefined);
      throw new Error(`referral ${id} has not failed yet`);
    },
    { timeout: 40_000, interval: 200 },
  );
}

async function statusCount(consultationId: string): Promise<number> {
  const { rows } = await t.db.pool.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM referrals WHERE consultation_id = $1',
    [consultationId],
  );
  return rows[0]?.n ?? -1;
}
