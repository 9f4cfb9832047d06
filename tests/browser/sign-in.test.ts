import {
  createTestApp,
  createTestBrowser,
  signInOverHttp,
  type TestApp,
  type TestBrowser,
} from '@korgon/dev/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let t: TestApp;
/** English profiles; the expected 401 of the first /me is not counted as an error. */
let browser: TestBrowser;

beforeAll(async () => {
  t = await createTestApp({ listen: true, label: 'browser' });
  browser = await createTestBrowser(t.baseUrl);
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

const KY = { user: 'Колдонуучунун аты', password: 'Сырсөз', submit: 'Кирүү' };
const RU = { user: 'Имя пользователя', password: 'Пароль', submit: 'Войти' };

describe('an operator signs in', () => {
  it('sees the sign-in page and the operator desk in Kyrgyz, in a font that has ң ө ү', async () => {
    const { page, errors } = await browser.newPage();
    await page.goto(t.baseUrl);
    expect(await page.getAttribute('html', 'lang')).toBe('ky');
    await browser.signIn(page, 'operator1', { navigate: false, landing: 'Оператордун иш столу' });
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
    const { page, errors } = await browser.newPage();
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
    await browser.signIn(page, 'operator2', { navigate: false, landing: 'Рабочее место оператора' });
    expect(await page.getByRole('button', { name: 'Выйти' }).isVisible()).toBe(true);
    expect(errors).toEqual([]);
  });

  it('remembers a language switched after sign-in for that user, on another device too', async () => {
    const first = await browser.newPage();
    await browser.signIn(first.page, 'operator3', { landing: 'Operator desk' });
    await first.page.getByRole('button', { name: 'Русский' }).click();
    await first.page.getByRole('heading', { level: 1, name: 'Рабочее место оператора' }).waitFor();
    await first.page.reload();
    await first.page.getByRole('heading', { level: 1, name: 'Рабочее место оператора' }).waitFor();

    const second = await browser.newPage();
    await browser.signIn(second.page, 'operator3', { landing: 'Рабочее место оператора' });
    expect(await second.page.getAttribute('html', 'lang')).toBe('ru');
    expect([...first.errors, ...second.errors]).toEqual([]);
  });

  it('is sent back to sign-in when an administrator ends the session', async () => {
    const { page } = await browser.newPage();
    await browser.signIn(page, 'supervisor', { landing: 'Супервайзердин тактасы' });
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
    const owner = await browser.newPage();
    await browser.signIn(owner.page, 'supervisor-night', { landing: 'Панель супервайзера' });
    await owner.page.getByRole('button', { name: 'Выйти' }).click();
    await owner.page.getByRole('button', { name: 'Войти' }).waitFor();

    // A stranger on another browser (the same address) guesses her password.
    const stranger = await browser.newPage();
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
    await browser.signIn(owner.page, 'supervisor-night', { navigate: false, landing: 'Панель супервайзера' });
    expect(owner.errors).toEqual([]);
    expect(stranger.errors.filter((e) => !/status of 429/.test(e))).toEqual([]);
  });
});
