import { createTestApp, launchBrowser, TEST_PASSWORD, type TestApp } from '@korgon/dev/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let t: TestApp;
let browser: Browser;

beforeAll(async () => {
  t = await createTestApp({ listen: true, label: 'browser-admin' });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

/** A fresh browser profile; collects console errors other than the expected 401s (the first /me, a lost session). */
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

/** The sign-in page starts in Kyrgyz; after sign-in each user sees their own language. */
async function signIn(page: Page, username: string) {
  await page.goto(t.baseUrl);
  await page.getByLabel('Колдонуучунун аты', { exact: true }).fill(username);
  await page.getByLabel('Сырсөз', { exact: true }).fill(TEST_PASSWORD);
  await page.getByRole('button', { name: 'Кирүү' }).click();
}

async function adminCookie(): Promise<string> {
  const res = await fetch(`${t.baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: t.baseUrl },
    body: JSON.stringify({ username: 'admin', password: TEST_PASSWORD }),
  });
  expect(res.status).toBe(200);
  return (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
}

interface ListedUser {
  id: string;
  username: string;
  role: string;
  active: boolean;
}

async function listUsers(cookie: string): Promise<ListedUser[]> {
  const res = await fetch(`${t.baseUrl}/api/admin/users`, { headers: { cookie, origin: t.baseUrl } });
  expect(res.status).toBe(200);
  return (await res.json()) as ListedUser[];
}

/** The users panel (the table's scroll box inside it carries the same name). */
const usersPanel = (page: Page) => page.getByRole('region', { name: 'Users', exact: true }).first();

describe('an administrator manages users in the console', () => {
  let admin: { page: Page; errors: string[] };

  beforeAll(async () => {
    admin = await newPage();
    await signIn(admin.page, 'admin');
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
    const form = page.getByRole('region', { name: 'Create a user' });
    const password = form.getByLabel('Initial password', { exact: true });
    await form.getByLabel('Username', { exact: true }).fill('operator4');
    await form.getByLabel('Display name', { exact: true }).fill('Operator Four');
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

    const created = (await listUsers(await adminCookie())).find((u) => u.username === 'operator4');
    expect(created).toMatchObject({ role: 'operator', active: true });
  });

  it("changes operator2's role to supervisor, which the API and the audit log show", async () => {
    const { page } = admin;
    const users = usersPanel(page);
    await users.getByLabel('Role of operator2', { exact: true }).selectOption('supervisor');
    await users.getByRole('status').filter({ hasText: 'changes saved.' }).waitFor();
    expect(await users.getByLabel('Role of operator2', { exact: true }).inputValue()).toBe('supervisor');

    const operator2 = (await listUsers(await adminCookie())).find((u) => u.username === 'operator2');
    expect(operator2?.role).toBe('supervisor');
    const audit = await t.db.pool.query<{ actor: string; details: { from: string; to: string } }>(
      `SELECT actor.username AS actor, a.details
         FROM audit_log a JOIN users actor ON actor.id = a.actor_id
        WHERE a.action = 'user.role_changed' AND a.target_id = $1`,
      [operator2?.id],
    );
    expect(audit.rows).toEqual([{ actor: 'admin', details: { from: 'operator', to: 'supervisor' } }]);
  });

  it('deactivates a user, whose open console is sent back to sign-in', async () => {
    const operator = await newPage();
    await signIn(operator.page, 'operator3');
    await operator.page.getByRole('heading', { level: 1, name: 'Operator desk' }).waitFor();

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
    const { rows } = await t.db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM sessions s JOIN users u ON u.id = s.user_id
        WHERE u.username = 'operator3' AND s.ended_at IS NULL`,
    );
    expect(rows[0]?.n).toBe(0);
    expect([...admin.errors, ...operator.errors]).toEqual([]);
  });
});
