import {
  createTestApp,
  createTestBrowser,
  freshTotpCode,
  SOON,
  signInOverHttp,
  type TestApp,
  type TestBrowser,
  totpCodeNow,
  totpSecretOf,
} from '@korgon/dev/testing';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

/** The second factor in the console: enrolment at the first sign-in, the code step, the admin's reset. */
let t: TestApp;
let b: TestBrowser;
beforeAll(async () => {
  t = await createTestApp({ listen: true, label: 'browser-2fa' });
  b = await createTestBrowser(t.baseUrl, { ignoreConsoleErrors: /status of (400|401)/ });
});
afterAll(async () => {
  await b?.close();
  await t?.close();
});

const KY = {
  enrolTitle: 'Экинчи факторду орнотуу',
  codeTitle: 'Кодду териңиз',
  wrongCode: 'Код туура эмес же мурда колдонулган.',
  codesTitle: 'Камдык коддорду сактап алыңыз',
  saved: 'Бул коддорду сактап алдым',
  savedFirst: 'Адегенде коддорду сактап, анан бул кутучаны белгилеңиз.',
  continue: 'Улантуу',
  confirm: 'Ырастоо',
  verify: 'Улантуу',
  useRecovery: 'Анын ордуна камдык код менен кирүү',
  recoveryLabel: 'Камдык код',
  stepCode: 'Тиркеме азыр көрсөткөн 6 орундуу кодду териңиз',
  codeLabel: '6 орундуу код',
};

const PASSWORD = 'her own long password';

/** The password step alone: the second factor is what these tests do themselves. */
const typePassword = (page: Page, username: string, password: string) =>
  b.signIn(page, username, { password, until: 'sent' });

describe('the second factor in the console', () => {
  it('a new manager sets it up at the first sign-in: QR code and key, a code, recovery codes saved, then the console', async () => {
    const admin = await signInOverHttp(t.baseUrl, 'admin');
    const created = await fetch(`${t.baseUrl}/api/admin/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: t.baseUrl, cookie: admin },
      body: JSON.stringify({
        username: 'manager-ky',
        displayName: 'Динара Абдыкадырова',
        role: 'manager',
        locale: 'ky',
        password: PASSWORD,
      }),
    });
    expect(created.status).toBe(201);

    const { page, errors } = await b.newPage();
    await typePassword(page, 'manager-ky', PASSWORD);
    await page.getByRole('heading', { level: 1, name: KY.enrolTitle }).waitFor();
    const qr = page.getByRole('img', { name: /QR-код/ });
    await qr.waitFor();
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/svg\+xml;base64,/);
    const secret = ((await page.getByTestId('totp-secret').textContent()) ?? '').replace(/\s/g, '');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const code = page.getByLabel(KY.stepCode, { exact: true });
    expect(await code.getAttribute('inputmode')).toBe('numeric');

    // A wrong code is said so, in Kyrgyz, and the field takes another.
    await code.fill(totpCodeNow(secret, 6));
    await page.getByRole('button', { name: KY.confirm }).click();
    await page.getByRole('alert').filter({ hasText: KY.wrongCode }).waitFor();
    await code.fill(await freshTotpCode(secret));
    await page.getByRole('button', { name: KY.confirm }).click();

    await page.getByRole('heading', { level: 1, name: KY.codesTitle }).waitFor();
    const codes = await page
      .getByRole('region', { name: KY.codesTitle, exact: true })
      .getByRole('listitem')
      .allTextContents();
    expect(codes).toHaveLength(10);
    for (const c of codes) expect(c).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
    // Not before saying they are saved.
    await page.getByRole('button', { name: KY.continue }).click();
    await page.getByText(KY.savedFirst).waitFor();
    await page.getByLabel(KY.saved).check();
    await page.getByRole('button', { name: KY.continue }).click();
    await page.waitForURL(/#\/statistics/);
    expect(errors).toEqual([]);

    // The code's one-time use: a recovery code from this list signs her in once, through the console.
    const again = await b.newPage();
    await typePassword(again.page, 'manager-ky', PASSWORD);
    await again.page.getByRole('heading', { level: 1, name: KY.codeTitle }).waitFor();
    await again.page.getByRole('button', { name: KY.useRecovery }).click();
    await again.page.getByLabel(KY.recoveryLabel).fill(codes[0] ?? '');
    await again.page.getByRole('button', { name: KY.verify }).click();
    await again.page.waitForURL(/#\/statistics/);
    expect(again.errors).toEqual([]);
  });

  it('a supervisor enters the code from her app after the password; a wrong one is refused first', async () => {
    const { page, errors } = await b.newPage();
    await typePassword(page, 'supervisor', 'correct horse battery staple');
    await page.getByRole('heading', { level: 1, name: KY.codeTitle }).waitFor();
    // Nothing else of the console is there to reach meanwhile.
    expect(await page.getByRole('navigation').count()).toBe(0);
    const field = page.getByLabel(KY.codeLabel, { exact: true });
    expect(await field.getAttribute('autocomplete')).toBe('one-time-code');
    const secret = totpSecretOf('supervisor');
    const wrong = String((Number(totpCodeNow(secret)) + 7) % 1_000_000).padStart(6, '0');
    await field.fill(wrong);
    await page.getByRole('button', { name: KY.verify }).click();
    await page.getByRole('alert').filter({ hasText: KY.wrongCode }).waitFor();
    await field.fill(await freshTotpCode(secret));
    await page.getByRole('button', { name: KY.verify }).click();
    await page.getByRole('heading', { level: 1, name: 'Супервайзердин тактасы' }).waitFor();
    expect(errors).toEqual([]);
  });

  it('an administrator sees who has it, resets it after a confirmation, and the user sets up a new one', async () => {
    const { page, errors } = await b.newPage();
    await b.signIn(page, 'admin');
    await page.goto(`${t.baseUrl}/#/admin?tab=users`);
    const row = page.getByRole('row', { name: /partner-health-bishkek/ });
    await row.getByRole('button', { name: /Edit partner-health-bishkek/ }).click();
    const editor = page.getByRole('region', { name: 'Edit partner-health-bishkek', exact: true });
    await editor.getByText('Second factor set up').waitFor();
    await editor.getByRole('button', { name: /Reset second factor/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Reset the second factor of partner-health-bishkek?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Reset' }).click();
    await editor
      .getByText('The second factor of partner-health-bishkek was reset; 0 sessions ended.')
      .waitFor();
    await editor.getByText('No second factor').waitFor();
    await vi.waitFor(async () => {
      const { rows } = await t.db.pool.query(
        `SELECT a.details FROM audit_log a JOIN users u ON u.id::text = a.target_id
          WHERE a.action = 'auth.second_factor_reset' AND u.username = 'partner-health-bishkek'`,
      );
      expect(rows).toHaveLength(1);
    }, SOON);
    expect(errors).toEqual([]);

    // Her next sign-in sets up a new one (done by the helper as she would).
    const partner = await b.newPage();
    await b.signIn(partner.page, 'partner-health-bishkek');
    expect(partner.errors).toEqual([]);
  });

  it('sets the operators’ policy in the Security tab', async () => {
    const { page, errors } = await b.newPage();
    await b.signIn(page, 'admin');
    await page.goto(`${t.baseUrl}/#/admin?tab=security`);
    const panel = page.getByRole('region', { name: 'Second factor for operators', exact: true });
    await panel.getByLabel('Required: every operator sets it up at the next sign-in').check();
    await panel.getByRole('button', { name: 'Save' }).click();
    await panel.getByText('Saved. The change is written to the audit log.').waitFor();
    // Asked of the server until it answers so, rather than once as soon as the page says "Saved".
    await vi.waitFor(async () => {
      const res = await fetch(`${t.baseUrl}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: t.baseUrl },
        body: JSON.stringify({ username: 'operator2', password: 'correct horse battery staple' }),
      });
      expect(((await res.json()) as { next?: string }).next).toBe('enrol');
    }, SOON);
    expect(errors).toEqual([]);
  });
});
