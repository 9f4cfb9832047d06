import {
  type ConsoleSocket,
  callEvent,
  connectConsole,
  createTestApp,
  postEvents,
  recordChanges,
  signIn,
  type TestApp,
} from '@korgon/dev/testing';
import {
  BoardFigures,
  type Permission,
  permissionsOf,
  rooms,
  type WallDisplay,
  type WallPairingCode,
} from '@korgon/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let t: TestApp;
let admin: string;
const sockets: ConsoleSocket[] = [];

beforeAll(async () => {
  t = await createTestApp({ listen: true, label: 'wall' });
  admin = await signIn(t.app, 'admin');
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await t?.close();
});

type Json = Record<string, unknown>;

async function call(
  cookie: string | null,
  method: 'GET' | 'POST' | 'PATCH' | 'PUT',
  url: string,
  body?: Json,
) {
  const res = await t.app.inject({
    method,
    url,
    headers: { origin: t.baseUrl, ...(cookie ? { cookie } : {}) },
    ...(body ? { payload: body } : {}),
  });
  return { status: res.statusCode, json: res.json() as Json, res };
}

async function createDisplay(name: string, locale = 'en'): Promise<WallPairingCode> {
  const { status, json } = await call(admin, 'POST', '/api/admin/wall-displays', { name, locale });
  expect(status).toBe(201);
  return json as unknown as WallPairingCode;
}

async function newCode(id: string): Promise<WallPairingCode> {
  const { status, json } = await call(admin, 'POST', `/api/admin/wall-displays/${id}/pairing`);
  expect(status).toBe(200);
  return json as unknown as WallPairingCode;
}

/** Pairs a screen: its session cookie. */
async function pair(code: string): Promise<string> {
  const { status, json, res } = await call(null, 'POST', '/api/wall/pair', { code });
  expect(status, JSON.stringify(json)).toBe(200);
  const cookie = res.cookies[0];
  if (!cookie) throw new Error('no session cookie');
  return `${cookie.name}=${cookie.value}`;
}

async function listed(id: string): Promise<WallDisplay> {
  const { status, json } = await call(admin, 'GET', '/api/admin/wall-displays');
  expect(status).toBe(200);
  const found = (json as unknown as WallDisplay[]).find((d) => d.id === id);
  if (!found) throw new Error(`display ${id} is not listed`);
  return found;
}

async function auditOf(displayId: string) {
  const { rows } = await t.db.pool.query<{ action: string; actor_role: string | null; details: Json }>(
    `SELECT action, actor_role, details FROM audit_log WHERE target_type = 'wall_display' AND target_id = $1
      ORDER BY id`,
    [displayId],
  );
  return rows;
}

function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value && typeof value === 'object') return Object.values(value).flatMap(stringsIn);
  return [];
}

/** Resolves with the reason of the next session:ended the socket receives. */
const endedOn = (s: ConsoleSocket) =>
  new Promise<string>((resolve) => s.once('session:ended', (e) => resolve(e.reason)));

async function connect(cookie: string) {
  const s = await connectConsole(t.baseUrl, cookie);
  sockets.push(s);
  return s;
}

describe('an administrator creates a wall display', () => {
  it('refuses the wall role in the ordinary user forms, and any change to a wall account there', async () => {
    const created = await call(admin, 'POST', '/api/admin/users', {
      username: 'not-a-wall',
      displayName: 'Not a wall',
      role: 'wall',
      password: 'a long enough password',
    });
    expect(created.status).toBe(400);
    expect(JSON.stringify(created.json)).toContain('Wall displays');

    const op = await t.db.pool.query<{ id: string }>(`SELECT id FROM users WHERE username = 'operator3'`);
    const patched = await call(admin, 'PATCH', `/api/admin/users/${op.rows[0]?.id}`, { role: 'wall' });
    expect(patched.status).toBe(400);

    const display = await createDisplay('Patched wall');
    const wallUser = await call(admin, 'PATCH', `/api/admin/users/${display.display.userId}`, {
      role: 'operator',
    });
    expect(wallUser.status).toBe(400);
    expect(wallUser.json.message).toMatch(/Wall displays/);
    const reset = await call(admin, 'POST', `/api/admin/users/${display.display.userId}/password-reset`);
    expect(reset.status).toBe(400);
    const { rows } = await t.db.pool.query<{ role: string; must_change_password: boolean }>(
      'SELECT role, must_change_password FROM users WHERE id = $1',
      [display.display.userId],
    );
    expect(rows[0]).toEqual({ role: 'wall', must_change_password: false });
  });

  it('makes a read-only account and a one-time code, stored only as its hash, valid 15 minutes', async () => {
    const issued = await createDisplay('Call room, left wall', 'ru');
    expect(issued.code).toMatch(/^[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}$/);
    expect(issued.pairingUrl).toBe(`${t.baseUrl}/#/wall/pair?code=${issued.code}&lang=ru`);
    expect(issued.display).toMatchObject({
      name: 'Call room, left wall',
      locale: 'ru',
      active: true,
      paired: false,
      sessions: [],
      createdBy: { displayName: expect.any(String) },
    });
    expect(issued.display.username).toMatch(/^wall-call-room-left-wall-[0-9a-f]{8}$/);
    expect(issued.display.pairingExpiresAt).toBe(issued.expiresAt);

    const { rows } = await t.db.pool.query<{
      role: string;
      locale: string;
      password_hash: string;
      pairing_code_hash: string;
      minutes: number;
    }>(
      `SELECT u.role, u.locale, u.password_hash, w.pairing_code_hash,
              round(extract(epoch FROM w.pairing_expires_at - w.created_at) / 60)::int AS minutes
         FROM wall_displays w JOIN users u ON u.id = w.user_id WHERE w.id = $1`,
      [issued.display.id],
    );
    const row = rows[0];
    expect(row).toMatchObject({ role: 'wall', locale: 'ru', minutes: 15 });
    const bare = issued.code.replace('-', '');
    expect(row?.pairing_code_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(bare);
    expect(row?.password_hash).toMatch(/^\$argon2id\$/);

    // The account never signs in with a password (not even a guessed one: there is none to know).
    const login = await call(null, 'POST', '/api/auth/login', {
      username: issued.display.username,
      password: 'anything at all',
    });
    expect(login.status).toBe(401);

    expect((await auditOf(issued.display.id)).map((a) => a.action)).toEqual([
      'wall_display.created',
      'wall_display.code_issued',
    ]);
    const asListed = await listed(issued.display.id);
    expect(asListed).toMatchObject({ paired: false, pairingExpiresAt: issued.expiresAt });
  });

  it('lets only an administrator manage wall displays', async () => {
    const supervisor = await signIn(t.app, 'supervisor');
    expect((await call(supervisor, 'GET', '/api/admin/wall-displays')).status).toBe(403);
    expect((await call(supervisor, 'POST', '/api/admin/wall-displays', { name: 'x' })).status).toBe(403);
    expect((await call(null, 'GET', '/api/admin/wall-displays')).status).toBe(401);
  });
});

describe('a screen pairs with the code', () => {
  it('gets a long wall session for a good code typed any way, once; a wrong code is a clear 401', async () => {
    const issued = await createDisplay('Pairing wall');

    const malformed = await call(null, 'POST', '/api/wall/pair', { code: 'ABC' });
    expect(malformed.status).toBe(400);
    const wrong = await call(null, 'POST', '/api/wall/pair', { code: 'AAAA-AAAA' });
    expect(wrong.status).toBe(401);
    expect(wrong.json).toMatchObject({ code: 'invalid_pairing_code' });
    expect(wrong.json.message).toMatch(/not right/);

    const typed = ` ${issued.code.toLowerCase().replace('-', ' ')} `;
    const { status, json, res } = await call(null, 'POST', '/api/wall/pair', { code: typed });
    expect(status).toBe(200);
    expect(json).toMatchObject({ role: 'wall', permissions: expect.arrayContaining(['board:wall']) });
    const cookie = res.cookies[0];
    expect(cookie?.maxAge).toBe(30 * 86_400);
    expect(cookie?.httpOnly).toBe(true);
    const wall = `${cookie?.name}=${cookie?.value}`;

    const me = await call(wall, 'GET', '/api/auth/me');
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({ role: 'wall', displayName: 'Pairing wall', locale: 'en' });

    const { rows } = await t.db.pool.query<{ days: number }>(
      `SELECT round(extract(epoch FROM s.expires_at - s.created_at) / 86400)::int AS days
         FROM sessions s WHERE s.user_id = $1 AND s.ended_at IS NULL`,
      [issued.display.userId],
    );
    expect(rows).toEqual([{ days: 30 }]);

    const again = await call(null, 'POST', '/api/wall/pair', { code: issued.code });
    expect(again.status).toBe(401);
    expect(again.json).toMatchObject({ code: 'invalid_pairing_code' });

    const asListed = await listed(issued.display.id);
    expect(asListed).toMatchObject({ paired: true, pairingExpiresAt: null });
    expect(asListed.sessions).toHaveLength(1);

    const audit = await auditOf(issued.display.id);
    expect(audit.map((a) => a.action)).toEqual([
      'wall_display.created',
      'wall_display.code_issued',
      'wall_display.paired',
    ]);
    expect(audit[2]).toMatchObject({ actor_role: 'wall', details: { sessionsEnded: 0 } });
    const failed = await t.db.pool.query(
      `SELECT details FROM audit_log WHERE action = 'wall_display.pair_failed' ORDER BY id`,
    );
    expect(failed.rows.map((r) => r.details.reason)).toEqual(['wrong_code', 'wrong_code']);
  });

  it('refuses an expired code with its own message', async () => {
    const issued = await createDisplay('Expired wall');
    await t.db.pool.query(
      `UPDATE wall_displays SET pairing_expires_at = now() - interval '1 second' WHERE id = $1`,
      [issued.display.id],
    );
    const expired = await call(null, 'POST', '/api/wall/pair', { code: issued.code });
    expect(expired.status).toBe(401);
    expect(expired.json).toMatchObject({ code: 'pairing_code_expired' });
    expect(expired.json.message).toMatch(/expired/);
    expect((await listed(issued.display.id)).pairingExpiresAt).toBeNull();

    // A new code works where the old one no longer does.
    const fresh = await newCode(issued.display.id);
    expect(fresh.code).not.toBe(issued.code);
    expect((await call(null, 'POST', '/api/wall/pair', { code: issued.code })).status).toBe(401);
    await pair(fresh.code);
  });

  it('locks an address out after 20 wrong codes, as failed sign-ins are', async () => {
    const issued = await createDisplay('Guessed wall');
    const from = (code: string) =>
      t.app.inject({
        method: 'POST',
        url: '/api/wall/pair',
        remoteAddress: '10.9.8.7',
        headers: { origin: t.baseUrl },
        payload: { code },
      });
    const answers: number[] = [];
    for (let i = 0; i < 20; i++) answers.push((await from('ZZZZ-ZZZZ')).statusCode);
    expect(answers.slice(0, 19).every((s) => s === 401)).toBe(true);
    expect(answers[19]).toBe(429);
    // Locked: even the right code is refused from there now.
    expect((await from(issued.code)).statusCode).toBe(429);
    await pair(issued.code);
  });
});

describe('a paired screen', () => {
  it('reads its figures, and nothing else', async () => {
    const allowed: Permission[] = ['me:read', 'me:update', 'sessions:own', 'board:wall', 'board:figures'];
    for (const p of permissionsOf('wall')) expect(allowed, `wall was given ${p}`).toContain(p);

    const wall = await pair((await createDisplay('Read-only wall')).code);
    const figures = await call(wall, 'GET', '/api/board/figures');
    expect(figures.status).toBe(200);
    expect(() => BoardFigures.parse(figures.json)).not.toThrow();

    const consultation = crypto.randomUUID();
    const refused = [
      '/api/queue',
      '/api/queue/outcomes',
      '/api/consultations',
      `/api/consultations/${consultation}`,
      `/api/consultations/${consultation}/history`,
      '/api/alerts',
      `/api/board/metrics?from=${encodeURIComponent('2026-01-01T00:00:00+06:00')}&to=${encodeURIComponent('2026-01-02T00:00:00+06:00')}`,
      '/api/follow-ups',
      '/api/referrals',
      '/api/partners',
      '/api/me/consultations',
      '/api/admin/users',
      '/api/risk/sign-offs',
    ];
    for (const url of refused) {
      const answer = await call(wall, 'GET', url);
      expect(answer.status, `GET ${url}: ${JSON.stringify(answer.json)}`).toBe(403);
    }
    const assess = await call(wall, 'PUT', `/api/consultations/${consultation}`, { baseRevision: 0 });
    expect(assess.status).toBe(403);
  });

  it('receives the board:figures push when a call arrives, and no queue change', async () => {
    const issued = await createDisplay('Socket wall');
    const cookie = await pair(issued.code);
    const wall = await connect(cookie);
    const operator = await connect(await signIn(t.app, 'operator1'));
    const opChanges = recordChanges(operator);
    const wallChanges = recordChanges(wall);
    const before = BoardFigures.parse((await call(cookie, 'GET', '/api/board/figures')).json);
    const figures: BoardFigures[] = [];
    const waitingOne = new Promise<BoardFigures>((resolve) =>
      wall.on('board:figures', (f) => {
        figures.push(f);
        if (f.live.waiting === before.live.waiting + 1) resolve(f);
      }),
    );

    const externalId = `wall-call-${crypto.randomUUID()}`;
    expect(
      (await postEvents(t.app, t.env.TELEPHONY_SECRET, callEvent(externalId, 'call.offered', new Date())))
        .statusCode,
    ).toBe(200);
    await opChanges.next((c) => c.kind === 'call');
    const pushed = await Promise.race([
      waitingOne,
      new Promise<never>((_, reject) =>
        setTimeout(
          () => reject(new Error(`no board:figures with a waiting call: ${JSON.stringify(figures)}`)),
          10_000,
        ),
      ),
    ]);
    expect(() => BoardFigures.parse(pushed)).not.toThrow();
    // Numbers only: the push's only strings are times; nothing names a person or a call.
    const strings = stringsIn(pushed);
    expect(strings.length).toBeGreaterThan(0);
    for (const s of strings) expect(s).toMatch(/^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2})$/);

    // A push sent after them reaches the wall after anything sent before it: no queue change came.
    const barrier = new Promise<void>((resolve) => wall.once('me:updated', () => resolve()));
    t.app.io.to(rooms.user(issued.display.userId)).emit('me:updated', { locale: 'en' });
    await barrier;
    expect(wallChanges.changes).toEqual([]);
  });

  it('stays signed in as long as it reads its figures, and idles out like any session when it stops', async () => {
    const issued = await createDisplay('Polling wall');
    const wall = await pair(issued.code);
    const setLastSeen = (minutesAgo: number) =>
      t.db.pool.query(
        `UPDATE sessions SET last_seen_at = now() - make_interval(mins => $2) WHERE user_id = $1 AND ended_at IS NULL`,
        [issued.display.userId, minutesAgo],
      );
    const idle = t.env.SESSION_IDLE_MINUTES;
    await setLastSeen(idle - 1);
    expect((await call(wall, 'GET', '/api/board/figures')).status).toBe(200);
    // The minute's read moved the idle limit on (the refresh is not waited for by the request).
    for (let i = 0; ; i++) {
      const { rows } = await t.db.pool.query<{ fresh: boolean }>(
        `SELECT last_seen_at > now() - interval '1 minute' AS fresh FROM sessions
          WHERE user_id = $1 AND ended_at IS NULL`,
        [issued.display.userId],
      );
      if (rows[0]?.fresh) break;
      if (i > 200) throw new Error('the session was not refreshed by the read');
      await new Promise((r) => setTimeout(r, 25));
    }
    expect((await call(wall, 'GET', '/api/board/figures')).status).toBe(200);
    await setLastSeen(idle + 1);
    expect((await call(wall, 'GET', '/api/board/figures')).status).toBe(401);
  });
});

describe('an administrator revokes a display, or pairs it again', () => {
  it('ends its screen at once (session:ended revoked, then 401) and deactivates it; a new code brings it back', async () => {
    const issued = await createDisplay('Revoked wall');
    const cookie = await pair(issued.code);
    const wall = await connect(cookie);
    const ended = endedOn(wall);

    const revoked = await call(admin, 'POST', `/api/admin/wall-displays/${issued.display.id}/revoke`);
    expect(revoked.status).toBe(200);
    expect(revoked.json).toMatchObject({
      active: false,
      paired: false,
      sessions: [],
      pairingExpiresAt: null,
    });
    expect(await ended).toBe('revoked');
    expect((await call(cookie, 'GET', '/api/board/figures')).status).toBe(401);
    expect((await call(cookie, 'GET', '/api/auth/me')).status).toBe(401);
    await expect(connectConsole(t.baseUrl, cookie)).rejects.toThrow(/unauthenticated/);

    const audit = await auditOf(issued.display.id);
    expect(audit.at(-1)).toMatchObject({ action: 'wall_display.revoked', details: { sessionsEnded: 1 } });

    const again = await newCode(issued.display.id);
    expect(again.display.active).toBe(true);
    const back = await pair(again.code);
    expect((await call(back, 'GET', '/api/auth/me')).json).toMatchObject({ role: 'wall' });
  });

  it('is documented in the OpenAPI document', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json<{
      paths: Record<string, Record<string, { tags?: string[] }>>;
    }>();
    for (const [path, method] of [
      ['/api/admin/wall-displays', 'get'],
      ['/api/admin/wall-displays', 'post'],
      ['/api/admin/wall-displays/{id}/pairing', 'post'],
      ['/api/admin/wall-displays/{id}/revoke', 'post'],
      ['/api/wall/pair', 'post'],
    ] as const)
      expect(doc.paths[path]?.[method]?.tags, `${method} ${path}`).toEqual(['wall displays']);
  });

  it('a code for an unknown display is a 404', async () => {
    const id = crypto.randomUUID();
    expect((await call(admin, 'POST', `/api/admin/wall-displays/${id}/pairing`)).status).toBe(404);
    expect((await call(admin, 'POST', `/api/admin/wall-displays/${id}/revoke`)).status).toBe(404);
  });

  it('a second screen paired with a new code ends the first one (one display, one screen)', async () => {
    const issued = await createDisplay('Moved wall');
    const first = await pair(issued.code);
    const firstSocket = await connect(first);
    const ended = endedOn(firstSocket);

    const second = await newCode(issued.display.id);
    // Until the new code is used, the first screen keeps showing its figures.
    expect((await call(first, 'GET', '/api/board/figures')).status).toBe(200);
    const secondCookie = await pair(second.code);

    expect(await ended).toBe('revoked');
    expect((await call(first, 'GET', '/api/board/figures')).status).toBe(401);
    expect((await call(secondCookie, 'GET', '/api/board/figures')).status).toBe(200);
    const audit = await auditOf(issued.display.id);
    expect(audit.at(-1)).toMatchObject({ action: 'wall_display.paired', details: { sessionsEnded: 1 } });
    expect((await listed(issued.display.id)).sessions).toHaveLength(1);
  });
});
