import {
  createTestApp,
  createTestBrowser,
  TEST_PASSWORD,
  type TestApp,
  type TestBrowser,
} from '@korgon/dev/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let t: TestApp;
let browser: TestBrowser;

beforeAll(async () => {
  t = await createTestApp({ listen: true, label: 'browser-account' });
  // Console errors other than the 401s and 400s these tests provoke on purpose (the first /me, a wrong password).
  browser = await createTestBrowser(t.baseUrl, { ignoreConsoleErrors: /status of 40[01]/ });
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

const KY = {
  user: 'Колдонуучунун аты',
  desk: 'Оператордун иш столу',
  account: 'Менин аккаунтум',
  sessions: 'Активдүү сессиялар',
  current: 'Азыркы сырсөз',
  new: 'Жаңы сырсөз',
  repeat: 'Жаңы сырсөздү кайталаңыз',
  change: 'Сырсөздү өзгөртүү',
  wrongCurrent: 'Азыркы сырсөз туура эмес.',
  mismatch: 'Эки жаңы сырсөз дал келбейт.',
  changed: 'Сырсөзүңүз өзгөртүлдү. Башка түзмөктөрдөгү сессияларыңыз аяктады.',
  sessionEnded: 'Сессияңыз аяктады. Кайра кириңиз.',
  invalidCredentials: 'Колдонуучунун аты же сырсөз туура эмес.',
};

const NEW_PASSWORD = 'a new and longer passphrase';

async function apiLogin(username: string, password: string): Promise<number> {
  const res = await fetch(`${t.baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: t.baseUrl },
    body: JSON.stringify({ username, password }),
  });
  await res.body?.cancel();
  return res.status;
}

describe('an operator changes their password', () => {
  it('checks the fields, ends the other session, and only the new password signs in', async () => {
    // A second device, signed in before the change.
    const other = await browser.newPage();
    await browser.signIn(other.page, 'operator1', { landing: KY.desk });

    const { page, errors } = await browser.newPage();
    await browser.signIn(page, 'operator1', { landing: KY.desk });
    await page.getByRole('link', { name: KY.account }).click();
    await page.getByRole('heading', { level: 1, name: KY.account }).waitFor();

    // Both devices are listed.
    const sessions = page.getByRole('region', { name: KY.sessions, exact: true }).getByRole('listitem');
    await expect.poll(() => sessions.count(), { timeout: 10_000 }).toBe(2);

    const form = page.getByRole('region', { name: KY.change, exact: true });
    const current = form.getByLabel(KY.current, { exact: true });
    const fresh = form.getByLabel(KY.new, { exact: true });
    const repeat = form.getByLabel(KY.repeat, { exact: true });
    const submit = form.getByRole('button', { name: KY.change });

    // Checked in the console first: the repeat must match, the new password must be long enough.
    await current.fill(TEST_PASSWORD);
    await fresh.fill('short');
    await repeat.fill('shorter');
    await submit.click();
    await form.getByText('Кеминде 12 белги жазыңыз.').waitFor();
    await form.getByText(KY.mismatch).waitFor();
    expect(await fresh.getAttribute('aria-invalid')).toBe('true');
    expect(await repeat.getAttribute('aria-invalid')).toBe('true');
    expect(await current.getAttribute('aria-invalid')).toBeNull();

    // A wrong current password: the server's answer, in Kyrgyz; what was typed is kept.
    await current.fill('not my password at all');
    await fresh.fill(NEW_PASSWORD);
    await repeat.fill(NEW_PASSWORD);
    await submit.click();
    await form.getByRole('alert').filter({ hasText: KY.wrongCurrent }).waitFor();
    expect(await current.getAttribute('aria-invalid')).toBe('true');
    expect(await current.inputValue()).toBe('not my password at all');
    expect(await fresh.inputValue()).toBe(NEW_PASSWORD);
    expect(await repeat.inputValue()).toBe(NEW_PASSWORD);
    expect(await apiLogin('operator1', TEST_PASSWORD)).toBe(200);

    // The right one: success, the fields are cleared, only this device is left in the list.
    await current.fill(TEST_PASSWORD);
    await submit.click();
    await form.getByRole('status').filter({ hasText: KY.changed }).waitFor();
    expect(await form.getByRole('alert').count()).toBe(0);
    expect(await current.inputValue()).toBe('');
    expect(await fresh.inputValue()).toBe('');
    expect(await repeat.inputValue()).toBe('');
    await expect.poll(() => sessions.count(), { timeout: 10_000 }).toBe(1);
    expect(await page.getByRole('heading', { level: 1, name: KY.account }).isVisible()).toBe(true);

    // The other device is sent back to sign-in.
    await other.page.getByRole('alert').filter({ hasText: KY.sessionEnded }).waitFor();
    expect(await other.page.getByLabel(KY.user, { exact: true }).isVisible()).toBe(true);

    // The old password no longer signs in; the new one does.
    await browser.signIn(other.page, 'operator1', { navigate: false, until: 'sent' });
    await other.page.getByRole('alert').filter({ hasText: KY.invalidCredentials }).waitFor();
    await browser.signIn(other.page, 'operator1', {
      password: NEW_PASSWORD,
      navigate: false,
      landing: KY.desk,
    });
    expect(await other.page.getByRole('button', { name: 'Чыгуу' }).isVisible()).toBe(true);
    expect(await apiLogin('operator1', TEST_PASSWORD)).toBe(401);
    expect(await apiLogin('operator1', NEW_PASSWORD)).toBe(200);

    expect([...errors, ...other.errors]).toEqual([]);
  });

  it('gets an issue on body.newPassword from the server for a weak new password, as the console expects', async () => {
    const login = await fetch(`${t.baseUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: t.baseUrl },
      body: JSON.stringify({ username: 'operator2', password: TEST_PASSWORD }),
    });
    expect(login.status).toBe(200);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const res = await fetch(`${t.baseUrl}/api/me/password`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: t.baseUrl, cookie },
      body: JSON.stringify({ currentPassword: TEST_PASSWORD, newPassword: 'short' }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { code: string; issues?: { path: string }[] };
    expect(body.code).toBe('invalid_request');
    expect(body.issues?.map((i) => i.path)).toEqual(['body.newPassword']);
  });
});
