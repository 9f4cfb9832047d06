import { createTestApp, signIn, TEST_ORIGIN, type TestApp } from '@korgon/dev/testing';
import { type ClientToServerEvents, rooms, type ServerToClientEvents } from '@korgon/domain';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let t: TestApp;
let base: string;
const open: Socket[] = [];

beforeAll(async () => {
  t = await createTestApp({ listen: true, label: 'socket', env: { PUBLIC_URL: TEST_ORIGIN } });
  const addr = t.app.server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});
afterAll(async () => {
  for (const s of open) s.close();
  await t?.close();
});

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

function connect(headers: Record<string, string>): Client {
  const s: Client = io(base, {
    path: '/socket.io',
    transports: ['websocket'],
    extraHeaders: headers,
    reconnection: false,
  });
  open.push(s);
  return s;
}

function outcome(s: Client): Promise<'connected' | string> {
  return new Promise((resolve) => {
    s.once('connect', () => resolve('connected'));
    s.once('connect_error', (err) => resolve(err.message));
  });
}

describe('Socket.IO handshake', () => {
  it('refuses a connection without a session', async () => {
    expect(await outcome(connect({ origin: TEST_ORIGIN }))).toMatch(/unauthenticated/);
  });

  it('refuses a connection from a foreign origin even with a valid session', async () => {
    const cookie = await signIn(t.app, 'operator1');
    expect(await outcome(connect({ origin: 'https://evil.example', cookie }))).not.toBe('connected');
    expect(await outcome(connect({ cookie }))).not.toBe('connected');
  });

  it('accepts our origin with a live session, answers a ping, and ends the socket when the session signs out', async () => {
    const cookie = await signIn(t.app, 'operator1');
    const s = connect({ origin: TEST_ORIGIN, cookie });
    expect(await outcome(s)).toBe('connected');
    const pong = await s.emitWithAck('ping');
    expect(Date.parse(pong.serverTime)).not.toBeNaN();

    const ended = new Promise<string>((resolve) => s.once('session:ended', (e) => resolve(e.reason)));
    const out = await t.app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: { cookie, origin: TEST_ORIGIN },
    });
    expect(out.statusCode).toBe(200);
    expect(await ended).toBe('logout');
  });

  it('delivers a push addressed to a role room only to that role', async () => {
    const [opCookie, supCookie] = [await signIn(t.app, 'operator2'), await signIn(t.app, 'supervisor')];
    const op = connect({ origin: TEST_ORIGIN, cookie: opCookie });
    const sup = connect({ origin: TEST_ORIGIN, cookie: supCookie });
    expect(await Promise.all([outcome(op), outcome(sup)])).toEqual(['connected', 'connected']);
    const got: string[] = [];
    op.on('me:updated', () => got.push('operator'));
    const supGot = new Promise<void>((resolve) => sup.once('me:updated', () => resolve()));
    t.app.io.to(rooms.role('supervisor')).emit('me:updated', { locale: 'ru' });
    await supGot;
    await new Promise((r) => setTimeout(r, 200));
    expect(got).toEqual([]);
  });
});
