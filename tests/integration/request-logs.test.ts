import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { callEvent, createTestApp, postEvents, signIn, type TestApp } from '@korgon/dev/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** A caller's number, sent by the PBX: it must never reach a log line. */
const PHONE = '+996555902418';

let t: TestApp;
const lines: Record<string, unknown>[] = [];

beforeAll(async () => {
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  // Request lines are at debug (app.ts).
  t = await createTestApp({ label: 'request-logs', logStream: stream, env: { LOG_LEVEL: 'debug' } });
});
afterAll(async () => t?.close());

describe('structured request logs', () => {
  it('carry a request id on every line a request writes, and no caller number', async () => {
    const cookie = await signIn(t.app, 'operator1');
    const posted = await postEvents(t.app, t.env.TELEPHONY_SECRET, [
      callEvent(`logs-${randomUUID()}`, 'call.offered', new Date(), { callerNumber: PHONE }),
    ]);
    expect(posted.statusCode).toBeLessThan(300);
    await t.app.inject({ url: `/api/consultations/${randomUUID()}`, headers: { cookie } });

    const requestLines = lines.filter((l) => l.req !== undefined || l.res !== undefined);
    // Sign-in, the PBX events and the read: each an incoming line and a completed line.
    expect(requestLines.length).toBeGreaterThanOrEqual(6);
    for (const l of requestLines) expect(l.reqId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-/);
    // The two lines of one request share its id.
    const ids = new Set(requestLines.map((l) => l.reqId));
    expect(ids.size).toBeLessThan(requestLines.length);

    const all = lines.map((l) => JSON.stringify(l)).join('\n');
    const digits = PHONE.replace(/\D/g, '');
    expect(all).not.toContain(digits);
    expect(all).not.toContain(digits.slice(-9));
  });

  it("keep a proxy's sane x-request-id on every line of the request and return it; replace anything else", async () => {
    // nginx's $request_id: 32 hex digits (infra/nginx/korgon.conf).
    const fromProxy = randomUUID().replace(/-/g, '');
    const cookie = await signIn(t.app, 'operator1');
    const before = lines.length;
    const read = await t.app.inject({
      url: `/api/consultations/${randomUUID()}`,
      headers: { cookie, 'x-request-id': fromProxy },
    });
    expect(read.headers['x-request-id']).toBe(fromProxy);
    const mine = lines.slice(before).filter((l) => l.reqId === fromProxy);
    // Its incoming and completed lines at least, and every line of that request names it.
    expect(mine.length).toBeGreaterThanOrEqual(2);
    const urls = lines
      .slice(before)
      .filter((l) => (l.req as { url?: string } | undefined)?.url?.startsWith('/api/consultations/'));
    for (const l of urls) expect(l.reqId).toBe(fromProxy);

    const insane = [
      'short',
      'x'.repeat(65),
      'has spaces in it',
      'line\nbreak-forged',
      '"quoted":"json"',
      '-starts-with-dash',
      'ключ-запроса-1234',
    ];
    for (const bad of insane) {
      const res = await t.app.inject({ url: '/healthz', headers: { 'x-request-id': bad } });
      const id = res.headers['x-request-id'];
      expect(id, bad).not.toBe(bad);
      expect(id, bad).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    }
    const all = lines.map((l) => JSON.stringify(l)).join('\n');
    expect(all).not.toContain('line\\nbreak-forged');
    expect(all).not.toContain('has spaces in it');
    // Without one, each answer still names its own, fresh id.
    const [a, b] = await Promise.all([t.app.inject({ url: '/healthz' }), t.app.inject({ url: '/healthz' })]);
    expect(a.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
  });
});
