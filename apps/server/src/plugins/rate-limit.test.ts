import { connectConsole, createTestApp, signIn, type TestApp } from '@korgon/dev/testing';
import { Redis } from '@korgon/jobs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOCKET_EVENTS_PER_10S } from './socket';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ label: 'ratelimit', listen: true });
});
afterAll(async () => t?.close());

describe('rate limits', () => {
  it('counts requests to unknown paths per address in Redis, and answers 429 with when to retry', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 301; i++) {
      const res = await t.app.inject({ url: `/api/nothing-here-${i}`, remoteAddress: '127.0.0.77' });
      codes.push(res.statusCode);
      if (res.statusCode === 429) {
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
        expect(res.json().message).toMatch(/Too many requests/i);
      }
    }
    expect(codes.slice(0, 300).every((c) => c === 404)).toBe(true);
    expect(codes[300]).toBe(429);
    // Another address is counted apart.
    expect((await t.app.inject({ url: '/api/nothing-here', remoteAddress: '127.0.0.78' })).statusCode).toBe(
      404,
    );
    // The counts live under this installation's prefix, shared by every server process.
    const redis = new Redis(t.env.REDIS_URL);
    try {
      const keys = await redis.keys(`${t.env.REDIS_PREFIX}:rate-limit:*`);
      expect(keys.some((k) => k.includes('127.0.0.77'))).toBe(true);
    } finally {
      redis.disconnect();
    }
  });

  it(`answers at most ${SOCKET_EVENTS_PER_10S} events from one socket in 10 s`, async () => {
    const socket = await connectConsole(t.baseUrl, await signIn(t.app, 'operator1'));
    try {
      const answers = await Promise.all(
        Array.from(
          { length: SOCKET_EVENTS_PER_10S + 5 },
          () =>
            new Promise<boolean>((resolve) => {
              socket.timeout(2000).emit('ping', (err: Error | null) => resolve(!err));
            }),
        ),
      );
      expect(answers.filter(Boolean)).toHaveLength(SOCKET_EVENTS_PER_10S);
      // The socket itself stays connected.
      expect(socket.connected).toBe(true);
    } finally {
      socket.disconnect();
    }
  });
});
