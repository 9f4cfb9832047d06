import { describe, expect, it } from 'vitest';
import { guardedLookup, STRICT_WEBHOOKS, webhookUrlRefusal } from './webhook-address';

const resolve = (policy: Parameters<typeof guardedLookup>[0], all: boolean) =>
  new Promise<{ err: (Error & { code?: string }) | null; address: unknown }>((done) =>
    guardedLookup(policy)('localhost', { all }, (err, address) => done({ err, address })),
  );

describe('where a partner webhook may point', () => {
  it('refuses, under the strict policy, every scheme but https and every non-public address', async () => {
    const refused = async (url: string) => webhookUrlRefusal(url, STRICT_WEBHOOKS);
    expect(await refused('http://93.184.216.34/hook')).toMatch(/only https/);
    expect(await refused('file:///etc/passwd')).toMatch(/only https/);
    expect(await refused('gopher://93.184.216.34:70/')).toMatch(/only https/);
    expect(await refused('https://user:pw@93.184.216.34/')).toMatch(/user name or password/);
    expect(await refused('https://127.0.0.1:5432/')).toMatch(/loopback/);
    expect(await refused('https://169.254.169.254/latest/meta-data')).toMatch(/linkLocal/);
    expect(await refused('https://10.0.0.5/')).toMatch(/private/);
    expect(await refused('https://192.168.1.1/')).toMatch(/private/);
    expect(await refused('https://0x7f.1/')).toMatch(/loopback/);
    expect(await refused('https://[::1]/')).toMatch(/loopback/);
    expect(await refused('https://[::ffff:10.0.0.1]/')).toMatch(/private/);
    expect(await refused('https://[fe80::1]/')).toMatch(/linkLocal/);
    // A name is judged by what it resolves to.
    expect(await refused('https://localhost:8080/')).toMatch(/loopback/);
    expect(await refused('https://no-such-host.invalid/')).toMatch(/does not resolve/);
    expect(await refused('https://93.184.216.34/hook')).toBeNull();
  });

  it('lets an installation allow http and private addresses, but never other schemes', async () => {
    const open = { allowHttp: true, allowPrivate: true };
    expect(await webhookUrlRefusal('http://127.0.0.1:9999/hook', open)).toBeNull();
    expect(await webhookUrlRefusal('file:///etc/passwd', open)).toMatch(/only https: and http:/);
    expect(await webhookUrlRefusal('http://127.0.0.1/', { allowHttp: true, allowPrivate: false })).toMatch(
      /loopback/,
    );
  });

  it('refuses, at connect time, a name that resolves to an address the policy forbids (DNS rebinding)', async () => {
    const strict = await resolve(STRICT_WEBHOOKS, false);
    expect(strict.err?.code).toBe('EKORGONREFUSED');
    expect(strict.err?.message).toMatch(/loopback/);
    const open = { allowHttp: true, allowPrivate: true };
    const one = await resolve(open, false);
    expect(one.err).toBeNull();
    expect(one.address).toMatch(/^(127\.0\.0\.1|::1)$/);
    const all = await resolve(open, true);
    expect(all.err).toBeNull();
    expect(Array.isArray(all.address) && all.address.length > 0).toBe(true);
  });
});
