import { describe, expect, it } from 'vitest';
import { sign, signedHeaders, verify } from './index';

const secret = 'a-very-long-shared-secret-of-the-pbx-integration';
const body = '{"eventId":"e1"}';

describe('request signatures', () => {
  it('verifies what it signed, within five minutes', () => {
    const now = Date.parse('2026-11-25T10:00:00Z');
    const h = signedHeaders(secret, body, now);
    expect(h['x-korgon-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verify(secret, h['x-korgon-timestamp'], h['x-korgon-signature'], body, now + 299_000)).toEqual({
      ok: true,
    });
  });

  it('refuses another body, another secret, a stale or future timestamp and missing headers', () => {
    const now = Date.now();
    const h = signedHeaders(secret, body, now);
    const ts = h['x-korgon-timestamp'];
    const sig = h['x-korgon-signature'];
    expect(verify(secret, ts, sig, `${body} `, now).ok).toBe(false);
    expect(verify(`${secret}x`, ts, sig, body, now).ok).toBe(false);
    expect(verify(secret, ts, sig, body, now + 301_000)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/clock/),
    });
    expect(verify(secret, ts, sig, body, now - 301_000).ok).toBe(false);
    expect(verify(secret, undefined, sig, body, now)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/missing/),
    });
    expect(verify(secret, ts, undefined, body, now)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/missing/),
    });
    expect(verify(secret, 'yesterday', sig, body, now).ok).toBe(false);
    expect(sign(secret, 1, body)).not.toBe(sign(secret, 2, body));
  });
});
