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
  t = await createTestApp({ label: 'request-logs', logStream: stream, env: { LOG_LEVEL: 'info' } });
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
});
