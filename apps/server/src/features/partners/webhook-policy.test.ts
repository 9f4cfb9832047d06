import { createTestApp, signIn, type TestApp } from '@korgon/dev/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** Issue 13, finding 8: partner webhook URLs under the production policy (https to public addresses only). */
let t: TestApp;
let admin: string;
beforeAll(async () => {
  t = await createTestApp({
    label: 'webhookpolicy',
    env: { PARTNER_WEBHOOK_ALLOW_HTTP: 'false', PARTNER_WEBHOOK_ALLOW_PRIVATE: 'false' },
  });
  admin = await signIn(t.app, 'admin');
});
afterAll(async () => t?.close());

const create = (slug: string, webhookUrl: string) =>
  t.app.inject({
    method: 'POST',
    url: '/api/admin/partners',
    headers: { cookie: admin, 'sec-fetch-site': 'same-origin' },
    payload: {
      slug,
      name: { ky: 'Борбор', ru: 'Центр', en: 'Centre' },
      type: 'crisis_centre',
      regions: ['KG-GB'],
      channel: 'webhook',
      webhookUrl,
    },
  });

describe('partner webhook URLs', () => {
  it('refuses plain http, other schemes, and loopback, private, link-local and metadata addresses, naming the field', async () => {
    for (const [i, url] of [
      'http://93.184.216.34/hook',
      'file:///etc/passwd',
      'https://127.0.0.1:5432/',
      'https://169.254.169.254/latest/meta-data/',
      'https://10.1.2.3/hook',
      'https://localhost/hook',
    ].entries()) {
      const res = await create(`bad-${i}`, url);
      expect(res.statusCode, url).toBe(400);
      expect(res.json().issues?.[0]?.path, url).toBe('body.webhookUrl');
      expect(res.json().message, url).toMatch(/cannot be used|URL/);
    }
    const { rows } = await t.db.pool.query(
      "SELECT count(*)::int AS n FROM partner_orgs WHERE slug LIKE 'bad-%'",
    );
    expect(rows[0].n).toBe(0);
  });

  it('takes an https URL to a public address, and refuses changing it to an internal one', async () => {
    const ok = await create('public-hook', 'https://93.184.216.34/hook');
    expect(ok.statusCode).toBe(201);
    const patch = await t.app.inject({
      method: 'PATCH',
      url: `/api/admin/partners/${ok.json().id}`,
      headers: { cookie: admin, 'sec-fetch-site': 'same-origin' },
      payload: { webhookUrl: 'https://192.168.0.10/hook' },
    });
    expect(patch.statusCode).toBe(400);
    expect(patch.json().issues[0].path).toBe('body.webhookUrl');
    const { rows } = await t.db.pool.query('SELECT webhook_url FROM partner_orgs WHERE id = $1', [
      ok.json().id,
    ]);
    expect(rows[0].webhook_url).toBe('https://93.184.216.34/hook');
  });
});
