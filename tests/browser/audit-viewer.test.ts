import { auditAnchorDirOf } from '@korgon/config';
import { writeAudit, writeAuditAnchor } from '@korgon/db';
import { createTestApp, createTestBrowser, SOON, type TestApp, type TestBrowser } from '@korgon/dev/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Issue 13's audit log viewer in the console (Administration → Audit log), as the administrator (English), at
 * 1366×768: the chain's status, a filter by action, the entries in words, "Load more".
 */

let t: TestApp;
let browser: TestBrowser;
const consultation = crypto.randomUUID();

beforeAll(async () => {
  t = await createTestApp({ listen: true, label: 'browser-audit' });
  const { rows } = await t.db.pool.query<{ id: string }>(
    "SELECT id FROM users WHERE username = 'supervisor'",
  );
  const supervisor = rows[0]?.id ?? null;
  await writeAudit(t.db.db, {
    action: 'risk.override',
    actorId: supervisor,
    actorRole: 'supervisor',
    targetType: 'consultation',
    targetId: consultation,
    details: { from: 'medium', to: 'high', direction: 'up' },
  });
  for (let i = 0; i < 55; i++)
    await writeAudit(t.db.db, {
      action: 'handover.read',
      actorId: supervisor,
      actorRole: 'supervisor',
      targetType: 'handover_note',
      targetId: crypto.randomUUID(),
    });
  await writeAuditAnchor(t.db.pool, {
    dir: auditAnchorDirOf(t.env.AUDIT_ANCHOR_DIR),
    key: t.env.AUDIT_ANCHOR_KEY,
  });
  browser = await createTestBrowser(t.baseUrl, { viewport: { width: 1366, height: 768 } });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe('the audit log viewer', () => {
  it('shows the chain verified and the latest checkpoint, filters by an action, and loads more', async () => {
    const { page, errors } = await browser.newPage();
    await browser.signIn(page, 'admin');
    await page.goto(`${t.baseUrl}/#/admin?tab=audit`);
    const panel = page.getByRole('region', { name: 'Audit log', exact: true });
    await panel.getByRole('heading', { name: 'Audit log' }).waitFor();

    const status = panel.getByTestId('audit-chain-ok');
    await status.waitFor();
    expect(await status.textContent()).toMatch(/Chain verified up to entry \d+ .*Last checkpoint at/);
    await expect.poll(() => panel.getByTestId('audit-status').textContent(), SOON).toMatch(/Signature valid/);

    // Filter by one action, chosen by its name in words.
    await panel.getByLabel('Action', { exact: true }).selectOption({ label: 'Risk level overridden' });
    await panel.getByRole('button', { name: 'Show', exact: true }).click();
    const rows = panel.getByTestId('audit-row');
    await expect.poll(() => rows.count(), SOON).toBe(1);
    const row = rows.first();
    expect(await row.getAttribute('data-action')).toBe('risk.override');
    expect(await row.textContent()).toMatch(/Risk level overridden/);
    expect(await row.textContent()).toMatch(/Гүлнара Жумабаева/);
    // Details as `key: value` (in the order the database keeps them).
    expect(await row.textContent()).toMatch(/from: medium/);
    expect(await row.textContent()).toMatch(/to: high/);
    // Every column has its header.
    const headers = await panel.getByRole('columnheader').allTextContents();
    expect(headers).toEqual(['Time', 'Who', 'Action', 'About', 'Details']);

    // A group of actions: the 55 hand-over reads, 50 at first, then the rest.
    await panel.getByLabel('Action', { exact: true }).selectOption({ label: 'Shift hand-over: all' });
    await panel.getByRole('button', { name: 'Show', exact: true }).click();
    await expect.poll(() => rows.count(), SOON).toBe(50);
    await panel.getByRole('button', { name: 'Load more' }).click();
    await expect.poll(() => rows.count(), SOON).toBe(55);
    expect(await panel.getByRole('button', { name: 'Load more' }).count()).toBe(0);

    // Readable at 1366×768: nothing wider than the window.
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    expect(errors).toEqual([]);
  }, 60_000);

  it('names a bad filter instead of failing', async () => {
    const { page, errors } = await browser.newPage({ ignoreConsoleErrors: /status of (401|400)/ });
    await browser.signIn(page, 'admin');
    await page.goto(`${t.baseUrl}/#/admin?tab=audit`);
    const panel = page.getByRole('region', { name: 'Audit log', exact: true });
    await panel.getByLabel('Target id', { exact: true }).fill('abc');
    await panel.getByRole('button', { name: 'Show', exact: true }).click();
    await expect.poll(() => panel.getByRole('alert').first().textContent(), SOON).toMatch(/targetId/);
    expect(errors).toEqual([]);
  }, 60_000);
});
