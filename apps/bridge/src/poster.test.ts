import type { TelephonyEvent } from '@korgon/domain';
import { afterEach, describe, expect, it } from 'vitest';
import { eventsUrl } from './bridge';
import { Poster } from './poster';
import { captureLog, WARN } from './testing/capture-log';
import { FakeKorgon } from './testing/fake-korgon';
import { waitFor } from './testing/wait';

const SECRET = 'poster-test-secret-0123456789abcdef';
const BACKOFF = { baseMs: 10, capMs: 50 };

function event(i: number): TelephonyEvent {
  return {
    eventId: `test:${i}`,
    callId: `call-${Math.floor(i / 3)}`,
    type: 'call.offered',
    at: new Date(Date.UTC(2025, 10, 25, 9, 0, 0, i)).toISOString(),
    line: '5200',
    callerNumber: '+996555000111',
  };
}

const unavailable = () => ({ status: 503, body: { code: 'unavailable', message: 'down for maintenance' } });

describe('Poster', () => {
  const cleanup: (() => unknown)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  async function setup(maxBuffer?: number) {
    const korgon = await FakeKorgon.start(SECRET);
    const capture = captureLog();
    const poster = new Poster(
      {
        url: eventsUrl(`${korgon.url}/`),
        secret: SECRET,
        backoff: BACKOFF,
        ...(maxBuffer ? { maxBuffer } : {}),
      },
      capture.log,
    );
    cleanup.push(
      () => korgon.close(),
      () => poster.stop(),
    );
    return { korgon, poster, ...capture };
  }

  it('sends batches of at most 500, in order, to /api/telephony/events', async () => {
    const { korgon, poster } = await setup();
    korgon.override = unavailable;
    for (let i = 0; i < 1203; i++) poster.push(event(i));
    await waitFor(() => korgon.requests.length >= 2, 'a retried request');
    korgon.override = undefined;
    await waitFor(() => poster.pending === 0, 'the buffer to drain');

    expect(korgon.stored.map((e) => e.eventId)).toEqual(Array.from({ length: 1203 }, (_, i) => `test:${i}`));
    const delivered = korgon.requests.filter((r) => r.status === 200);
    expect(delivered.map((r) => r.events.length)).toEqual([500, 500, 203]);
    expect(korgon.requests.every((r) => r.path === '/api/telephony/events' && r.signatureValid)).toBe(true);
  });

  it('drops the oldest events when the buffer is full, warns with the count, delivers the rest in order', async () => {
    const { korgon, poster, lines, text } = await setup(5);
    korgon.override = unavailable;
    for (let i = 0; i < 8; i++) poster.push(event(i));
    expect(poster.dropped).toBe(3);
    expect(poster.pending).toBe(5);
    await waitFor(() => korgon.requests.length >= 1, 'a first attempt');
    korgon.override = undefined;
    await waitFor(() => poster.pending === 0, 'the buffer to drain');

    expect(korgon.stored.map((e) => e.eventId)).toEqual(['test:3', 'test:4', 'test:5', 'test:6', 'test:7']);
    const warnings = lines.filter((l) => l.level === WARN && typeof l.dropped === 'number');
    expect(warnings.map((l) => l.dropped)).toEqual([1, 3]);
    expect(text()).not.toContain('555000111');
  });

  it('flush gives up after its timeout and reports what is left', async () => {
    const { korgon, poster } = await setup();
    korgon.override = unavailable;
    poster.push(event(0));
    poster.push(event(1));
    expect(await poster.flush(100)).toBe(2);
    korgon.override = undefined;
    expect(await poster.flush(5_000)).toBe(0);
    expect(korgon.stored).toHaveLength(2);
  });
});
