import { createTestApp, signIn, type TestApp } from '@korgon/dev/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ label: 'queuedash' });
});
afterAll(async () => t?.close());

describe('the queue dashboard (bull-board) at /admin/queues', () => {
  it('is refused without a session and to every role but admin', async () => {
    const anonymous = await t.app.inject({ url: '/admin/queues' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().code).toBe('unauthenticated');
    const api = await t.app.inject({ url: '/admin/queues/api/queues' });
    expect(api.statusCode).toBe(401);
    for (const username of ['operator1', 'supervisor', 'manager', 'partner-police-bishkek']) {
      const cookie = await signIn(t.app, username);
      const res = await t.app.inject({ url: '/admin/queues/api/queues', headers: { cookie } });
      expect(res.statusCode, username).toBe(403);
      expect(res.json().message).toMatch(/jobs:manage/);
    }
  });

  it("shows an admin every queue, under the app's CSP, and refuses a cross-origin change", async () => {
    const cookie = await signIn(t.app, 'admin');
    const page = await t.app.inject({ url: '/admin/queues', headers: { cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    // Scripts from here only; its base href allowed; nothing from elsewhere.
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self';/);
    expect(page.headers['content-security-policy']).toMatch(/base-uri 'self'/);
    expect(page.headers['content-security-policy']).not.toMatch(/googleapis|https:/);
    const queues = await t.app.inject({ url: '/admin/queues/api/queues', headers: { cookie } });
    expect(queues.statusCode).toBe(200);
    const names = (queues.json().queues as { name: string }[]).map((q) => q.name).sort();
    expect(names).toEqual(['exports', 'maintenance', 'referrals', 'timers']);
    const cleanFromElsewhere = await t.app.inject({
      method: 'PUT',
      url: '/admin/queues/api/queues/referrals/clean/failed',
      headers: { cookie, origin: 'https://evil.example' },
    });
    expect(cleanFromElsewhere.statusCode).toBe(403);
    expect(cleanFromElsewhere.json().code).toBe('cross_origin');
  });
});
