import {
  type BrowserPage,
  createTestApp,
  createTestBrowser,
  SOON,
  signInOverHttp,
  TEST_PASSWORD,
  type TestApp,
  type TestBrowser,
} from '@korgon/dev/testing';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

let t: TestApp;
/** English profiles; the expected 401s (the first /me, a lost session) are not counted as errors. */
let browser: TestBrowser;

beforeAll(async () => {
  t = await createTestApp({ listen: true, label: 'browser-admin' });
  browser = await createTestBrowser(t.baseUrl);
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

function login(username: string, password: string) {
  return fetch(`${t.baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: t.baseUrl },
    body: JSON.stringify({ username, password }),
  });
}

/** The admin's session over HTTP, second factor included. */
function adminCookie(): Promise<string> {
  return signInOverHttp(t.baseUrl, 'admin');
}

interface ListedUser {
  id: string;
  username: string;
  role: string;
  active: boolean;
  displayName: string;
  extension: string | null;
  mustChangePassword: boolean;
}

async function listUsers(cookie: string): Promise<ListedUser[]> {
  const res = await fetch(`${t.baseUrl}/api/admin/users`, { headers: { cookie, origin: t.baseUrl } });
  expect(res.status).toBe(200);
  return (await res.json()) as ListedUser[];
}

/** The users panel (the table's scroll box inside it carries the same name). */
const usersPanel = (page: Page) => page.getByRole('region', { name: 'Users', exact: true }).first();

describe('an administrator manages users in the console', () => {
  let admin: BrowserPage;

  beforeAll(async () => {
    admin = await browser.newPage();
    await browser.signIn(admin.page, 'admin', { landing: 'Administration' });
  });

  it('lands on the administration area, in English', async () => {
    const { page } = admin;
    await page.getByRole('heading', { level: 1, name: 'Administration' }).waitFor();
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(page.url()).toMatch(/#\/admin$/);
    const nav = page.getByRole('navigation', { name: 'Sections' });
    expect(await nav.getByRole('link', { name: 'Administration' }).getAttribute('aria-current')).toBe('page');
    await usersPanel(page)
      .getByRole('row', { name: /operator2/ })
      .waitFor();
  });

  it('creates a user, after a per-field error for a too-short password', async () => {
    const { page } = admin;
    const form = page.getByRole('region', { name: 'Create a user', exact: true });
    const password = form.getByLabel('Initial password', { exact: true });
    await form.getByLabel('Username', { exact: true }).fill('operator4');
    await form.getByLabel('Display name', { exact: true }).fill('Бермет Сатыбалдиева');
    await form.getByLabel('Role', { exact: true }).selectOption('operator');
    await form.getByLabel('Interface language', { exact: true }).selectOption('ru');
    await password.fill('too short');
    await form.getByRole('button', { name: 'Create user' }).click();

    await form.getByRole('alert').filter({ hasText: 'Check the fields marked below.' }).waitFor();
    expect(await password.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await password.getAttribute('aria-describedby')) ?? '';
    const description = await page.evaluate(
      (ids) => ids.map((id) => document.getElementById(id)?.textContent ?? '').join(' '),
      describedBy.split(' ').filter(Boolean),
    );
    expect(description).toContain('Use at least 12 characters.');
    expect(await form.getByLabel('Username', { exact: true }).getAttribute('aria-invalid')).toBeNull();
    // Nothing reached the server.
    const before = await t.db.pool.query(`SELECT 1 FROM users WHERE username = 'operator4'`);
    expect(before.rowCount).toBe(0);

    await password.fill('a long enough initial password');
    await form.getByRole('button', { name: 'Create user' }).click();
    await form.getByRole('status').filter({ hasText: 'User operator4 was created.' }).waitFor();
    expect(await form.getByRole('alert').count()).toBe(0);
    expect(await form.getByLabel('Username', { exact: true }).inputValue()).toBe('');
    await usersPanel(page)
      .getByRole('row', { name: /operator4/ })
      .waitFor();

    const cookie = await adminCookie();
    await vi.waitFor(async () => {
      const created = (await listUsers(cookie)).find((u) => u.username === 'operator4');
      expect(created).toMatchObject({ role: 'operator', active: true });
    }, SOON);
  });

  it("changes operator2's role to supervisor, which the API and the audit log show", async () => {
    const { page } = admin;
    const users = usersPanel(page);
    await users.getByLabel('Role of operator2', { exact: true }).selectOption('supervisor');
    await users.getByRole('status').filter({ hasText: 'changes saved.' }).waitFor();
    expect(await users.getByLabel('Role of operator2', { exact: true }).inputValue()).toBe('supervisor');

    // The saved change as the API and the audit log have it (read until there, not as soon as the page says so).
    const cookie = await adminCookie();
    await vi.waitFor(async () => {
      const operator2 = (await listUsers(cookie)).find((u) => u.username === 'operator2');
      expect(operator2?.role).toBe('supervisor');
      const audit = await t.db.pool.query<{ actor: string; details: { from: string; to: string } }>(
        `SELECT actor.username AS actor, a.details
           FROM audit_log a JOIN users actor ON actor.id = a.actor_id
          WHERE a.action = 'user.role_changed' AND a.target_id = $1`,
        [operator2?.id],
      );
      expect(audit.rows).toEqual([{ actor: 'admin', details: { from: 'operator', to: 'supervisor' } }]);
    }, SOON);
  });

  it('deactivates a user, whose open console is sent back to sign-in', async () => {
    const operator = await browser.newPage();
    await browser.signIn(operator.page, 'operator3', { landing: 'Operator desk' });

    const { page } = admin;
    const users = usersPanel(page);
    const row = users.getByRole('row', { name: /operator3/ });
    await row.getByRole('button', { name: 'Deactivate operator3' }).click();
    await row.getByText('Inactive', { exact: true }).waitFor();
    await row.getByRole('button', { name: 'Activate operator3' }).waitFor();

    await operator.page
      .getByRole('alert')
      .filter({ hasText: 'Your session ended. Sign in again.' })
      .waitFor();
    expect(await operator.page.getByRole('heading', { level: 1, name: 'Sign in' }).isVisible()).toBe(true);
    await vi.waitFor(async () => {
      const { rows } = await t.db.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM sessions s JOIN users u ON u.id = s.user_id
          WHERE u.username = 'operator3' AND s.ended_at IS NULL`,
      );
      expect(rows[0]?.n).toBe(0);
    }, SOON);
    expect([...admin.errors, ...operator.errors]).toEqual([]);
  });
});

describe('an administrator sets extensions, names and one-time passwords', () => {
  let admin: BrowserPage;
  const editor = (page: Page) => page.getByRole('region', { name: /^Edit / });

  beforeAll(async () => {
    admin = await browser.newPage();
    await browser.signIn(admin.page, 'admin', { landing: 'Administration' });
    await usersPanel(admin.page)
      .getByRole('row', { name: /^supervisor/ })
      .first()
      .waitFor();
  });

  it('gives the supervisor another extension, after a 409 that names who holds the one asked for', async () => {
    const { page } = admin;
    await usersPanel(page).getByRole('button', { name: 'Edit supervisor', exact: true }).click();
    const form = editor(page);
    await form.getByRole('heading', { name: 'Edit supervisor' }).waitFor();
    const extension = form.getByLabel('Extension', { exact: true });
    expect(await extension.inputValue()).toBe('110');

    await extension.fill('12a');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await form.getByText('An extension is 2 to 10 digits, for example 101.').first().waitFor();
    expect(await extension.getAttribute('aria-invalid')).toBe('true');

    await extension.fill('101');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await form
      .getByRole('alert')
      .filter({ hasText: 'Extension 101 is already held by Айгүл Асанова (operator1).' })
      .waitFor();

    await extension.fill('111');
    await form.getByLabel('Display name', { exact: true }).fill('Гүлнара Жумабаева-Осмонова');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await usersPanel(page)
      .getByRole('status')
      .filter({ hasText: 'Гүлнара Жумабаева-Осмонова: changes saved.' })
      .waitFor();
    const row = usersPanel(page)
      .getByRole('row', { name: /^supervisor/ })
      .first();
    await row.getByRole('cell', { name: '111', exact: true }).waitFor();

    const cookie = await adminCookie();
    await vi.waitFor(async () => {
      const supervisor = (await listUsers(cookie)).find((u) => u.username === 'supervisor');
      expect(supervisor).toMatchObject({ extension: '111', displayName: 'Гүлнара Жумабаева-Осмонова' });
      const audit = await t.db.pool.query<{ action: string; details: unknown }>(
        `SELECT action, details FROM audit_log
          WHERE target_id = $1 AND action IN ('user.extension_changed', 'user.display_name_changed') ORDER BY id`,
        [supervisor?.id],
      );
      expect(audit.rows).toEqual([
        { action: 'user.extension_changed', details: { from: '110', to: '111' } },
        {
          action: 'user.display_name_changed',
          details: { from: 'Гүлнара Жумабаева', to: 'Гүлнара Жумабаева-Осмонова' },
        },
      ]);
    }, SOON);
    // The browser logs the refused 409 and nothing else.
    expect(admin.errors).toEqual([
      'Failed to load resource: the server responded with a status of 409 (Conflict)',
    ]);
    admin.errors.length = 0;
  });

  it("resets operator1's password; she signs in with the one-time password and must choose her own first", async () => {
    const { page } = admin;
    await usersPanel(page).getByRole('button', { name: 'Edit operator1', exact: true }).click();
    const form = editor(page);
    await form.getByRole('heading', { name: 'Edit operator1' }).waitFor();
    await form.getByRole('button', { name: 'Reset password operator1' }).click();
    await form.getByText('Reset the password of operator1? Their open sessions end now.').waitFor();
    await form.getByRole('button', { name: 'Yes, reset the password' }).click();
    const shown = form.getByRole('region', { name: 'One-time password for Айгүл Асанова', exact: true });
    const oneTime = await shown.getByLabel('One-time password', { exact: true }).inputValue();
    expect(oneTime).toMatch(/^[A-Za-z0-9_-]{20}$/);
    await usersPanel(page)
      .getByRole('row', { name: /operator1/ })
      .getByText('Must change password')
      .waitFor();
    // Shown once: hidden, it cannot be shown again.
    await shown.getByRole('button', { name: 'I have passed it on: hide' }).click();
    expect(await shown.count()).toBe(0);

    expect((await login('operator1', TEST_PASSWORD)).status).toBe(401);

    const operator = await browser.newPage();
    await browser.signIn(operator.page, 'operator1', { password: oneTime, until: 'sent' });
    // Her language is Kyrgyz; the console does not open before the password is changed.
    await operator.page.getByRole('heading', { level: 1, name: 'Өз сырсөзүңүздү тандаңыз' }).waitFor();
    expect(await operator.page.getByRole('navigation').count()).toBe(0);
    const form2 = operator.page.getByRole('region', { name: 'Сырсөздү өзгөртүү', exact: true });
    await form2.getByLabel('Бир жолку сырсөз', { exact: true }).fill(oneTime);
    await form2.getByLabel('Жаңы сырсөз', { exact: true }).fill('айгүлдүн өз сырсөзү 2026');
    await form2.getByLabel('Жаңы сырсөздү кайталаңыз', { exact: true }).fill('айгүлдүн өз сырсөзү 2026');
    await form2.getByRole('button', { name: 'Сырсөздү өзгөртүү' }).click();
    await operator.page.getByRole('heading', { level: 1, name: 'Оператордун иш столу' }).waitFor();

    // The one-time password worked once; her own works from now on.
    expect((await login('operator1', oneTime)).status).toBe(401);
    const own = await login('operator1', 'айгүлдүн өз сырсөзү 2026');
    expect(own.status).toBe(200);
    expect(((await own.json()) as { mustChangePassword: boolean }).mustChangePassword).toBe(false);
    const cookie = await adminCookie();
    await vi.waitFor(async () => {
      const operator1 = (await listUsers(cookie)).find((u) => u.username === 'operator1');
      expect(operator1?.mustChangePassword).toBe(false);
      const audit = await t.db.pool.query<{ action: string }>(
        `SELECT action FROM audit_log WHERE target_id = $1
            AND action IN ('user.password_reset', 'auth.password_changed') ORDER BY id`,
        [operator1?.id],
      );
      expect(audit.rows.map((r) => r.action)).toEqual(['user.password_reset', 'auth.password_changed']);
    }, SOON);
    expect([...admin.errors, ...operator.errors]).toEqual([]);
  });
});
