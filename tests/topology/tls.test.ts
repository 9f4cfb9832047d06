import { request } from 'node:https';
import { createDb } from '@korgon/db';
import { freePort } from '@korgon/dev/postgres';
import {
  enrolTestDemo,
  freshDatabase,
  PROCESS_SECRETS,
  type ServerProcess,
  TEST_PASSWORD,
  testRedis,
} from '@korgon/dev/testing';
import { seedDemo } from '@korgon/server';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processEnv, startServerProcess, stopProcess } from '../integration/lib/faults';
import { type Nginx, startNginx } from './lib/nginx';

/**
 * The shipped TLS server block (infra/nginx/korgon.conf) with a certificate made for this test: TLS ends at nginx,
 * the server runs as in production behind it (PUBLIC_URL https, TRUST_PROXY=true), and its Secure, __Host-
 * session cookie works through it, for requests and for the console's WebSocket. Every TLS connection here checks
 * the certificate against the test's own (no verification is switched off).
 */

let nginx: Nginx;
let server: ServerProcess;
let origin = '';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function tls(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Answer> {
  const url = new URL(path, origin);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname, method, headers, ca: nginx.ca },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

beforeAll(async () => {
  const [port, plainPort, httpPort, tlsPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  nginx = await startNginx({ upstreams: [port, port], plainPort, httpPort, tlsPort });
  origin = nginx.tlsBase;
  const databaseUrl = await freshDatabase('tls');
  const db = createDb(databaseUrl, { max: 2 });
  try {
    await seedDemo(db.db, TEST_PASSWORD);
    await enrolTestDemo(db.db, PROCESS_SECRETS.NOTES_ENCRYPTION_KEY);
  } finally {
    await db.close();
  }
  server = await startServerProcess(
    processEnv(databaseUrl, origin, testRedis(databaseUrl), { TRUST_PROXY: 'true' }),
    port,
  );
}, 180_000);

afterAll(async () => {
  if (server) await stopProcess(server);
  await nginx?.stop();
});

describe('TLS at nginx, in front of the server', () => {
  it('the session cookie is __Host- and Secure, set over TLS, and signs in requests and the WebSocket', async () => {
    const login = await tls(
      'POST',
      '/api/auth/login',
      { origin, 'content-type': 'application/json' },
      JSON.stringify({ username: 'operator1', password: TEST_PASSWORD }),
    );
    expect(login.status, login.body).toBe(200);
    const setCookie = ([] as string[]).concat(login.headers['set-cookie'] ?? []);
    const session = setCookie.find((c) => c.startsWith('__Host-korgon_session='));
    expect(session, setCookie.join('\n')).toBeDefined();
    // What browsers require of a __Host- cookie: Secure, Path=/, no Domain.
    const attributes = (session ?? '').split(';').map((a) => a.trim().toLowerCase());
    expect(attributes).toContain('secure');
    expect(attributes).toContain('path=/');
    expect(attributes).toContain('httponly');
    expect(attributes.some((a) => a.startsWith('domain='))).toBe(false);
    // HSTS from the server, nginx's request id returned.
    expect(login.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(login.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);

    const cookie = (session ?? '').split(';')[0] ?? '';
    const me = await tls('GET', '/api/auth/me', { cookie });
    expect(me.status, me.body).toBe(200);
    expect(JSON.parse(me.body).username).toBe('operator1');

    // The console's WebSocket, wss:// through nginx, authenticated by the same cookie.
    const socket = io(origin, {
      path: '/socket.io',
      transports: ['websocket'],
      extraHeaders: { origin, cookie },
      reconnection: false,
      ca: nginx.ca,
    });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', (err) => reject(err));
      });
      const pong = await socket.timeout(10_000).emitWithAck('ping');
      expect(pong).toHaveProperty('queueVersion');
    } finally {
      socket.close();
    }
    // Without the cookie the handshake is refused.
    const anonymous = io(origin, {
      path: '/socket.io',
      transports: ['websocket'],
      extraHeaders: { origin },
      reconnection: false,
      ca: nginx.ca,
    });
    try {
      const refused = await new Promise<string>((resolve) => {
        anonymous.once('connect', () => resolve('connected'));
        anonymous.once('connect_error', (err) => resolve(err.message));
      });
      expect(refused).toMatch(/unauthenticated/);
    } finally {
      anonymous.close();
    }
  });

  it('plain http is redirected to https, and /readyz stays on the host', async () => {
    const res = await fetch(`${nginx.httpBase}/api/auth/me`, { redirect: 'manual' });
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe('https://127.0.0.1/api/auth/me');
    expect((await tls('GET', '/readyz')).status).toBe(404);
    expect((await tls('GET', '/healthz')).status).toBe(200);
  });

  it('a client cannot put its own X-Forwarded-For or X-Request-Id through nginx', async () => {
    const res = await tls('GET', '/healthz', {
      'x-request-id': 'chosen-by-the-client-1234',
      'x-forwarded-for': '203.0.113.7',
    });
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    const id = res.headers['x-request-id'] as string;
    // nginx logged the same id it gave the server.
    const until = Date.now() + 5000;
    while (!nginx.accessLog().includes(id) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(nginx.accessLog()).toContain(id);
    expect(nginx.accessLog()).not.toContain('chosen-by-the-client');
  });
});
