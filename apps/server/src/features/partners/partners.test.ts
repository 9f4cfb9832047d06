import { createTestApp, signIn, type TestApp } from '@korgon/dev/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** The partner registry's answers, each declared by its route (the test app refuses an undeclared status). */
let t: TestApp;
let admin: string;
beforeAll(async () => {
  t = await createTestApp({ label: 'partners' });
  admin = await signIn(t.app, 'admin');
});
afterAll(async () => t?.close());

const call = (method: 'POST' | 'PATCH', url: string, payload: object) =>
  t.app.inject({ method, url, headers: { cookie: admin, 'sec-fetch-site': 'same-origin' }, payload });

const create = (slug: string) =>
  call('POST', '/api/admin/partners', {
    slug,
    name: { ky: 'Борбор', ru: 'Центр', en: 'Centre' },
    type: 'crisis_centre',
    regions: ['KG-GB'],
    channel: 'portal',
  });

describe('partners', () => {
  it('changes a partner, audited with the columns changed; a missing one is a 404', async () => {
    const made = await create('contract-a');
    expect(made.statusCode).toBe(201);
    expect(made.json()).toMatchObject({ slug: 'contract-a', channel: 'portal', hasWebhookSecret: false });
    const id = made.json().id as string;
    const changed = await call('PATCH', `/api/admin/partners/${id}`, {
      regions: ['KG-C'],
      email: 'a@example.org',
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({ id, regions: ['KG-C'], email: 'a@example.org' });
    const { rows } = await t.db.pool.query(
      "SELECT details FROM audit_log WHERE action = 'partner.updated' AND target_id = $1",
      [id],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].details.fields).toEqual(expect.arrayContaining(['regions', 'email']));
    const missing = await call('PATCH', `/api/admin/partners/${crypto.randomUUID()}`, { active: false });
    expect(missing.statusCode).toBe(404);
  });

  it('answers 409 for a channel without its address, or a short name taken, and changes nothing', async () => {
    const id = (await create('contract-b')).json().id as string;
    await create('contract-c');
    const noUrl = await call('PATCH', `/api/admin/partners/${id}`, { channel: 'webhook' });
    expect(noUrl.statusCode).toBe(409);
    expect(noUrl.json().message).toMatch(/webhook URL/);
    const taken = await call('PATCH', `/api/admin/partners/${id}`, { slug: 'contract-c' });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().message).toMatch(/contract-c/);
    const again = await create('contract-c');
    expect(again.statusCode).toBe(409);
    const { rows } = await t.db.pool.query('SELECT slug, channel FROM partner_orgs WHERE id = $1', [id]);
    expect(rows[0]).toEqual({ slug: 'contract-b', channel: 'portal' });
  });
});
