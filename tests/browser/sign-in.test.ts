import {
  createTestApp,
  launchBrowser,
  passSecondFactorInBrowser,
  signInOverHttp,
  TEST_PASSWORD,
  type TestApp,
} from '@korgon/dev/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let t: TestApp;
let browser: Browser;

beforeAll(async () => {
  t = await createTestApp({ listen: true, label: 'browser' });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

/** A fresh browser profile; collects console errors other than the expected 401 of the first /me. */
async function newPage(): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ locale: 'en-US' });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 401/.test(m.text())) errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return { page, errors };
}

async function signIn(
  page: Page,
  username: string,
  labels: { user: string; password: string; submit: string },
) {
  await page.getByLabel(labels.user).fill(username);
  await page.getByLabel(labels.password).fill(TEST_PASSWORD);
  await page.getByRole('button', { name: labels.submit }).click();
}

const KY = { user: 'Колдонуучунун аты', password: 'Сырсөз', submit: 'Кирүү' };
const RU = { user: 'Имя пользователя', password: 'Пароль', submit: 'Войти' };

describe('an operator signs in', () => {
  it('sees the sign-in page and the operator desk in Kyrgyz, in a font that has ң ө ү', async () => {
    const { page, errors } = await newPage();
    await page.goto(t.baseUrl);
    expect(await page.getAttribute('html', 'lang')).toBe('ky');
    await signIn(page, 'operator1', KY);
    await expect(
      page.getByRole('heading', { level: 1, name: 'Оператордун иш столу' }).waitFor(),
    ).resolves.toBeUndefined();
    await expect(page.getByRole('button', { name: 'Чыгуу' }).isVisible()).resolves.toBe(true);
    // Her own work is on the desk: the shift, drafts, referrals, follow-ups.
    await page.getByRole('heading', { name: 'Менин ишим' }).waitFor();
    await page.getByRole('heading', { name: 'Кайра чалуулар' }).first().waitFor();
    // Only the operator's own areas are offered.
    const nav = page.getByRole('navigation', { name: 'Бөлүмдөр' });
    expect(await nav.getByRole('link').allTextContents()).toEqual(['Оператордун иш столу']);
    const fontOk = await page.evaluate(async () => {
      await document.fonts.ready;
      return (
        document.fonts.check('16px "Noto Sans"', 'ңөү') &&
        [...document.fonts].some((f) => f.family.includes('Noto Sans') && f.status === 'loaded')
      );
    });
    expect(fontOk).toBe(true);
    expect(errors).toEqual([]);
  });

  it('sees the desk in Russian when that is their language, and a wrong password gets a clear message', async () => {
    const { page, errors } = await newPage();
    await page.goto(t.baseUrl);
    await page.getByRole('button', { name: 'Русский' }).click();
    expect(await page.getAttribute('html', 'lang')).toBe('ru');
    await page.getByLabel(RU.user).fill('operator2');
    await page.getByLabel(RU.password).fill('wrong password');
    await page.getByRole('button', { name: RU.submit }).click();
    await expect(
      page.getByRole('alert').filter({ hasText: 'Неверное имя пользователя или пароль.' }).waitFor(),
    ).resolves.toBeUndefined();
    // What was typed is kept.
    expect(await page.getByLabel(RU.user).inputValue()).toBe('operator2');
    await signIn(page, 'operator2', RU);
    await page.getByRole('heading', { level: 1, name: 'Рабочее место оператора' }).waitFor();
    expect(await page.getByRole('button', { name: 'Выйти' }).isVisible()).toBe(true);
    expect(errors).toEqual([]);
  });

  it('remembers a language switched after sign-in for that user, on another device too', async () => {
    const first = await newPage();
    await first.page.goto(t.baseUrl);
    await signIn(first.page, 'operator3', KY);
    await first.page.getByRole('heading', { level: 1, name: 'Operator desk' }).waitFor();
    await first.page.getByRole('button', { name: 'Русский' }).click();
    await first.page.getByRole('heading', { level: 1, name: 'Рабочее место оператора' }).waitFor();
    await first.page.reload();
    await first.page.getByRole('heading', { level: 1, name: 'Рабочее место оператора' }).waitFor();

    const second = await newPage();
    await second.page.goto(t.baseUrl);
    await signIn(second.page, 'operator3', KY);
    await second.page.getByRole('heading', { level: 1, name: 'Рабочее место оператора' }).waitFor();
    expect(await second.page.getAttribute('html', 'lang')).toBe('ru');
    expect([...first.errors, ...second.errors]).toEqual([]);
  });

  it('is sent back to sign-in when an administrator ends the session', async () => {
    const { page } = await newPage();
    await page.goto(t.baseUrl);
    await signIn(page, 'supervisor', KY);
    await passSecondFactorInBrowser(page, 'supervisor', () =>
      page.getByRole('heading', { level: 1, name: 'Супервайзердин тактасы' }).waitFor(),
    );
    const { rows } = await t.db.pool.query<{ id: string }>(
      `SELECT s.id FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = 'supervisor' AND s.ended_at IS NULL`,
    );
    const adminCookie = await signInOverHttp(t.baseUrl, 'admin');
    for (const { id } of rows) {
      const res = await fetch(`${t.baseUrl}/api/admin/sessions/${id}`, {
        method: 'DELETE',
        headers: { cookie: adminCookie, origin: t.baseUrl },
      });
      expect(res.status).toBe(200);
    }
    await page.getByRole('alert').filter({ hasText: 'Сессияңыз аяктады. Кайра кириңиз.' }).waitFor();
    expect(await page.getByLabel(KY.user).isVisible()).toBe(true);
  });
});

describe('a stranger’s wrong passwords do not lock the owner out', () => {
  it('tells the stranger, in their language, why and for how long, while the owner signs in on her own device', async () => {
    // The owner's browser: she signed in here before, then signed out.
    const owner = await newPage();
    await owner.page.goto(t.baseUrl);
    await signIn(owner.page, 'supervisor-night', KY);
    await passSecondFactorInBrowser(owner.page, 'supervisor-night', () =>
      owner.page.getByRole('heading', { level: 1, name: 'Панель супервайзера' }).waitFor(),
    );
    await owner.page.getByRole('button', { name: 'Выйти' }).click();
    await owner.page.getByTestId('sign-in-form').waitFor();

    // A stranger on another browser (the same address) guesses her password.
    const stranger = await newPage();
    await stranger.page.goto(t.baseUrl);
    for (let i = 0; i < 5; i++) {
      await stranger.page.getByLabel(KY.user).fill('supervisor-night');
      await stranger.page.getByLabel(KY.password).fill(`guess-${i}`);
      await Promise.all([
        stranger.page.waitForResponse((r) => r.url().endsWith('/api/auth/login')),
        stranger.page.getByRole('button', { name: KY.submit }).click(),
      ]);
    }
    await stranger.page
      .getByRole('alert')
      .filter({ hasText: 'бул жерден ага кирүү 15 мүнөткө токтотулду' })
      .waitFor();
    await stranger.page.getByRole('button', { name: 'Русский' }).click();
    await stranger.page
      .getByRole('alert')
      .filter({ hasText: 'вход в неё отсюда приостановлен на 15 минут' })
      .waitFor();

    // Her own browser still lets her in.
    await owner.page.locator('input[name="username"]').fill('supervisor-night');
    await owner.page.locator('input[name="password"]').fill(TEST_PASSWORD);
    await owner.page.locator('button[type="submit"]').click();
    await passSecondFactorInBrowser(owner.page, 'supervisor-night', () =>
      owner.page.getByRole('heading', { level: 1, name: 'Панель супервайзера' }).waitFor(),
    );
    expect(owner.errors).toEqual([]);
    expect(stranger.errors.filter((e) => !/status of 429/.test(e))).toEqual([]);
  });
});
