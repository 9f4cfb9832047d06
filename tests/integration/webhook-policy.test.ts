import {
  createTestApp,
  signIn,
  startTestWorker,
  startWebhookPartner,
  type TestApp,
} from '@korgon/dev/testing';
import type { WorkerHandle } from '@korgon/worker';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

/**
 * Issue 13, finding 8, at delivery time: the worker checks a partner's webhook address again before every
 * delivery (a host name can come to point elsewhere, or the policy be tightened after the URL was set).
 */
let t: TestApp;
let worker: WorkerHandle;
let partner: Awaited<ReturnType<typeof startWebhookPartner>>;
beforeAll(async () => {
  partner = await startWebhookPartner(() => 'unused');
  // The server took the URL when private addresses were allowed; this worker no longer allows them.
  t = await createTestApp({ label: 'webhookdelivery', env: { REFERRAL_MAX_ATTEMPTS: '2' } });
  worker = await startTestWorker(t.databaseUrl, { ...t.env, PARTNER_WEBHOOK_ALLOW_PRIVATE: false });
});
afterAll(async () => {
  await worker?.stop();
  await t?.close();
  await partner?.close();
});

describe('a delivery to an address the policy refuses', () => {
  it('is not sent: the referral fails with the reason, and the partner is never called', async () => {
    const admin = await signIn(t.app, 'admin');
    const op = await signIn(t.app, 'operator1');
    const headers = (cookie: string) => ({ cookie, 'sec-fetch-site': 'same-origin' });
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/admin/partners',
      headers: headers(admin),
      payload: {
        slug: 'inside-hook',
        name: { ky: 'Борбор', ru: 'Центр', en: 'Centre' },
        type: 'crisis_centre',
        regions: ['KG-GB'],
        channel: 'webhook',
        webhookUrl: partner.url,
      },
    });
    expect(created.statusCode).toBe(201);
    const k = crypto.randomUUID();
    const saved = await t.app.inject({
      method: 'PUT',
      url: `/api/consultations/${k}`,
      headers: headers(op),
      payload: {
        baseRevision: 0,
        channel: 'call_back',
        data: { contactKind: 'about_self', survivor: { region: 'KG-GB' }, consent: { referral: 'yes' } },
        secret: { notes: '', codeWord: '', ifCallDrops: '' },
      },
    });
    expect(saved.statusCode).toBe(201);
    const id = crypto.randomUUID();
    const referred = await t.app.inject({
      method: 'POST',
      url: '/api/referrals',
      headers: headers(op),
      payload: {
        id,
        consultationId: k,
        partnerId: created.json().id,
        urgency: 'standard',
        consent: { basis: 'caller_consent' },
        fields: ['region'],
      },
    });
    expect(referred.statusCode).toBe(201);
    await vi.waitFor(
      async () => {
        const { rows } = await t.db.pool.query('SELECT status, last_error FROM referrals WHERE id = $1', [
          id,
        ]);
        expect(rows[0].status).toBe('failed');
        expect(rows[0].last_error).toMatch(/webhook URL cannot be used: it leads to a loopback address/);
      },
      { timeout: 20_000, interval: 100 },
    );
    expect(partner.calls).toHaveLength(0);
  });
});
