import { readFileSync, writeFileSync } from 'node:fs';
import { callEvent, connectConsole, createTestApp, postEvents, type TestApp } from '@korgon/dev/testing';
import {
  CLIENT_EVENT_PERMISSIONS,
  can,
  type EventRefused,
  PERMISSION_NAMES,
  type Permission,
  ROLES,
  type Role,
} from '@korgon/domain';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openapiPath, parseRouteTree, type RouteEntry } from './lib/fuzz';
import { sessionMaker } from './lib/sessions';

/**
 * Issue 13's access matrix: every operation of the server's own OpenAPI document, for every role and for no
 * session, held against the domain's permission table (`PERMISSIONS`, through `can`), never against a list kept
 * here. Each operation names who may call it in `x-korgon-permission` (emitted from the route's guard config by
 * plugins/openapi.ts); every socket event the server handles is held against `CLIENT_EVENT_PERMISSIONS`. Then the
 * object-level cases the guard cannot see: another operator's draft, another organisation's referral.
 */

type Who = Role | 'nobody';
const WHO: Who[] = ['nobody', ...ROLES];
const USERNAMES: Record<Exclude<Role, 'wall'>, string> = {
  operator: 'operator1',
  supervisor: 'supervisor',
  manager: 'manager',
  admin: 'admin',
  partner: 'partner-police-bishkek',
};

/**
 * Routes deliberately left out of the document, each with the access it has. Anything else missing from the
 * document fails the test.
 */
const UNDOCUMENTED: Record<string, 'public'> = {
  // The document itself.
  'GET /api/openapi.json': 'public',
  // The page and button of a partner's one-time e-mail acknowledgement link (HTML, not an API).
  'GET /api/partners/ack/:token': 'public',
  'POST /api/partners/ack/:token': 'public',
};
/** The docs UI's static files (the swagger-ui plugin's own routes). */
const isDocsUi = (url: string) => url.startsWith('/api/docs');

type Access = Permission | 'public' | 'signed';
type JsonSchema = { type?: string; format?: string; enum?: unknown[]; pattern?: string };
type Operation = {
  'x-korgon-permission'?: Access;
  parameters?: { in: string; name: string; schema?: JsonSchema }[];
  requestBody?: unknown;
  responses?: Record<string, unknown>;
};
type OpenApi = { paths: Record<string, Record<string, Operation>> };

let t: TestApp;
let spec: OpenApi;
let routes: RouteEntry[];
const cookies: Partial<Record<Who, string>> = {};
let signInAs: (username: string) => Promise<string>;
let pairWall: () => Promise<string>;

/** A new session for a role (after it signed itself out). */
async function renew(role: Role) {
  cookies[role] = role === 'wall' ? await pairWall() : await signInAs(USERNAMES[role]);
}

beforeAll(async () => {
  t = await createTestApp({ label: 'access', listen: true });
  const sessions = sessionMaker(t, 14);
  signInAs = sessions.signInAs;
  pairWall = () => sessions.pairWall('Access matrix wall');
  for (const role of ROLES) await renew(role);
  spec = t.app.swagger() as unknown as OpenApi;
  routes = parseRouteTree(t.app.printRoutes({ commonPrefix: false }));
});
afterAll(async () => {
  await t?.close();
});

const request = (cookie: string | undefined, method: string, url: string, body?: unknown) =>
  t.app.inject({
    method: method as 'GET',
    url,
    // As the console sends it: the Origin names the server.
    headers: { origin: t.baseUrl, ...(cookie ? { cookie } : {}) },
    ...(body !== undefined ? { payload: body as object } : {}),
  });

/**
 * A value for a path parameter that names nothing that exists (the guard answers before any check of it; a
 * role let through gets its 400 or 404).
 */
function paramValue(schema: JsonSchema | undefined): string {
  if (schema?.enum?.length) return String(schema.enum[0]);
  if (schema?.type === 'integer' || schema?.type === 'number') return '999999';
  if (schema?.pattern && schema.format !== 'uuid') return '0.0';
  return crypto.randomUUID();
}

function operations(): { method: string; path: string; url: string; op: Operation }[] {
  const out: { method: string; path: string; url: string; op: Operation }[] = [];
  for (const [path, byMethod] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(byMethod)) {
      const url = path.replace(/\{([^}]+)\}/g, (_m, name: string) =>
        encodeURIComponent(
          paramValue(op.parameters?.find((p) => p.in === 'path' && p.name === name)?.schema),
        ),
      );
      out.push({ method: method.toUpperCase(), path, url, op });
    }
  }
  return out;
}

/** What the guard must answer `who` on an operation that needs `access`: a status, or "past the guard". */
function expected(access: Access, who: Who): 401 | 403 | 'through' {
  if (access === 'public') return 'through';
  // A signed route reads no session: without a signature, everybody is a stranger to it.
  if (access === 'signed') return 401;
  if (who === 'nobody') return 401;
  return can(who, access) ? 'through' : 403;
}

/** Answers that end the caller's own session (sign-out): asked last, and the session is made again. */
const ENDS_OWN_SESSION = new Set(['POST /api/auth/logout']);

describe('every route', () => {
  it('is in the OpenAPI document with its access, and every documented operation is a real route', () => {
    const documented = new Set(
      Object.entries(spec.paths).flatMap(([path, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
      ),
    );
    const missing = routes
      .filter((r) => r.url.startsWith('/api/') && !isDocsUi(r.url) && !UNDOCUMENTED[`${r.method} ${r.url}`])
      .map((r) => `${r.method} ${openapiPath(r.url)}`)
      .filter((name) => !documented.has(name));
    expect(missing).toEqual([]);
    const real = new Set(routes.map((r) => `${r.method} ${openapiPath(r.url)}`));
    expect([...documented].filter((name) => !real.has(name))).toEqual([]);

    const known = new Set<string>([...PERMISSION_NAMES, 'public', 'signed']);
    const undeclared = operations()
      .filter(({ op }) => !known.has(op['x-korgon-permission'] ?? ''))
      .map(({ method, path, op }) => `${method} ${path}: ${op['x-korgon-permission']}`);
    expect(undeclared).toEqual([]);
    expect(operations().length).toBeGreaterThan(80);
  });

  it('answers every role and no session as the permission table says', async () => {
    const wrong: string[] = [];
    const ops = operations().sort(
      (a, b) =>
        Number(ENDS_OWN_SESSION.has(`${a.method} ${a.path}`)) -
        Number(ENDS_OWN_SESSION.has(`${b.method} ${b.path}`)),
    );
    for (const { method, path, url, op } of ops) {
      const access = op['x-korgon-permission'] as Access;
      for (const who of WHO) {
        // A minimal body: enough to pass the guard (a role with the right gets its 400, 404 or 409).
        const body = op.requestBody !== undefined ? {} : undefined;
        const res = await request(who === 'nobody' ? undefined : cookies[who], method, url, body);
        const want = expected(access, who);
        const got = res.statusCode;
        // Past the guard, a harmless request is answered as the route documents it: no undocumented 5xx (the
        // readiness check's 503 without a worker is its purpose).
        const failed = got >= 500 && op.responses?.[String(got)] === undefined;
        const ok = want === 'through' ? got !== 401 && got !== 403 && !failed : got === want;
        if (process.env.ACCESS_DEBUG) console.log(who, method, path, got);
        if (!ok)
          wrong.push(
            `${who} ${method} ${path} (${access}): expected ${want}, got ${got} ${res.body.slice(0, 160)}`,
          );
        if (ENDS_OWN_SESSION.has(`${method} ${path}`) && got < 300 && who !== 'nobody') await renew(who);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('answers the undocumented routes to anybody, and keeps the docs UI open', async () => {
    for (const name of Object.keys(UNDOCUMENTED)) {
      const [method, url] = name.split(' ') as [string, string];
      const res = await request(undefined, method, url.replace(':token', 'not-a-real-token'));
      expect([401, 403], name).not.toContain(res.statusCode);
    }
    expect((await request(undefined, 'GET', '/api/docs/')).statusCode).toBe(200);
  });
});

/**
 * The matrix as the table says it (docs/access-matrix.md, generated): widening a permission, or a route naming
 * another one, changes this page, so the change is seen in review and not only by the guard.
 */
function renderMatrix(): string {
  const cells = (name: string, access: Access) => [
    name,
    access,
    ...ROLES.map((role) => (expected(access, role) === 'through' ? '✓' : '')),
  ];
  const body = [
    ...operations()
      .sort((a, b) => `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`))
      .map(({ method, path, op }) => cells(`\`${method} ${path}\``, op['x-korgon-permission'] as Access)),
    cells(`\`${DASHBOARD.prefix}/*\` (job queue dashboard)`, DASHBOARD.permission),
    ...Object.entries(CLIENT_EVENT_PERMISSIONS).map(([event, p]) => cells(`socket \`${event}\``, p)),
  ];
  const header = ['', 'access', ...ROLES];
  // Columns padded as the formatter (biome) lays a Markdown table out, so the page stays as written.
  const widths = header.map((h, i) => Math.max(3, h.length, ...body.map((r) => (r[i] as string).length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |`;
  const table = [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)];
  return [
    '# Access matrix (generated)',
    '',
    "Who may call each operation of the API and each socket event, from the OpenAPI document's",
    "`x-korgon-permission` and the domain's permission table (`packages/domain/src/auth/roles.ts`). Written by",
    '`ACCESS_MATRIX_WRITE=1 pnpm exec vitest run tests/integration/access-matrix.test.ts`; the test fails while this',
    'page differs from the server, so every widened permission shows here in review (docs/security.md). `public`:',
    'no session needed; `signed`: a request signature instead of a session (nobody with only a session).',
    '',
    ...table,
    '',
  ].join('\n');
}

describe('the matrix', () => {
  it('is the one written down in docs/access-matrix.md', () => {
    const file = new URL('../../docs/access-matrix.md', import.meta.url);
    const current = renderMatrix();
    if (process.env.ACCESS_MATRIX_WRITE) writeFileSync(file, current);
    let written = '';
    try {
      written = readFileSync(file, 'utf8');
    } catch {
      // Missing: the comparison below fails and says what it should hold.
    }
    expect(written, 'docs/access-matrix.md is out of date: see its first lines').toBe(current);
  });
});

/**
 * The job queue dashboard (bull-board) lives outside /api, with its own guard (plugins/queue-dashboard.ts) for
 * the one permission it needs.
 */
const DASHBOARD = { prefix: '/admin/queues', permission: 'jobs:manage' } as const satisfies {
  prefix: string;
  permission: Permission;
};

describe('the job queue dashboard', () => {
  it('answers every role and no session as the permission table says', async () => {
    // Its own routes; a wildcard in the route tree under this prefix is the console's page fallback.
    const pages = routes.filter((r) => r.url.startsWith(DASHBOARD.prefix) && !r.url.includes('*'));
    expect(pages.length).toBeGreaterThan(3);
    const wrong: string[] = [];
    for (const { method, url } of pages) {
      const path = url.replace(/:[A-Za-z0-9_]+/g, 'x');
      for (const who of WHO) {
        const res = await request(
          who === 'nobody' ? undefined : cookies[who],
          method,
          path,
          method === 'GET' ? undefined : {},
        );
        const want = expected(DASHBOARD.permission, who);
        const ok =
          want === 'through' ? res.statusCode !== 401 && res.statusCode !== 403 : res.statusCode === want;
        if (!ok) wrong.push(`${who} ${method} ${url}: expected ${want}, got ${res.statusCode}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe('every socket event', () => {
  it('is declared with a permission, and answered only to the roles that have it', async () => {
    // The events the server listens to, read from a connected socket on the server (not a list kept here).
    const probe = await connectConsole(t.baseUrl, cookies.operator as string);
    const serverSocket = [...t.app.io.of('/').sockets.values()].find((s) => s.id === probe.id);
    const RESERVED = new Set(['error', 'disconnect', 'disconnecting']);
    const events = (serverSocket?.eventNames() ?? []).map(String).filter((e) => !RESERVED.has(e));
    probe.close();
    expect(events.length).toBeGreaterThan(0);
    expect(events.filter((e) => !Object.hasOwn(CLIENT_EVENT_PERMISSIONS, e))).toEqual([]);

    const wrong: string[] = [];
    for (const who of ROLES) {
      const s = await connectConsole(t.baseUrl, cookies[who] as string);
      try {
        for (const event of events) {
          const permission = CLIENT_EVENT_PERMISSIONS[event as keyof typeof CLIENT_EVENT_PERMISSIONS];
          const ack = (await s.emitWithAck(event as 'ping')) as object;
          const refused = 'error' in ack;
          if (can(who, permission) === refused) wrong.push(`${who} ${event}: ${JSON.stringify(ack)}`);
          if (refused)
            expect(Object.keys(ack).sort(), `${who} ${event}`).toEqual([
              'error',
              'message',
            ] satisfies (keyof EventRefused)[]);
        }
        // An event the server does not handle is refused the same way, never silently dropped.
        const unknown = (await s.emitWithAck('no-such-event' as 'ping')) as object;
        expect(unknown).toMatchObject({ error: 'unknown_event' });
      } finally {
        s.close();
      }
    }
    expect(wrong).toEqual([]);
  });

  it('refuses a connection without a session', async () => {
    for (const cookie of [undefined, 'korgon_session=x', `korgon_session=${crypto.randomUUID()}`]) {
      const s = io(t.baseUrl, {
        path: '/socket.io',
        transports: ['websocket'],
        extraHeaders: { origin: t.baseUrl, ...(cookie ? { cookie } : {}) },
        reconnection: false,
      });
      try {
        const outcome = await new Promise<string>((resolve) => {
          s.once('connect', () => resolve('connected'));
          s.once('connect_error', (err) => resolve(err.message));
        });
        expect(outcome).toMatch(/^unauthenticated/);
      } finally {
        s.close();
      }
    }
  });
});

describe('records that belong to someone else', () => {
  const draftBody = (extra: object = {}) => ({
    baseRevision: 0,
    channel: 'call_back',
    data: { contactKind: 'about_self' },
    secret: { notes: 'access matrix', codeWord: '', ifCallDrops: '' },
    ...extra,
  });

  it("keeps an operator out of another operator's draft, its history and her call", async () => {
    const op1 = cookies.operator as string;
    const op2 = await signInAs('operator2');
    // A call answered by operator1 (claimed from the queue), with its draft.
    await postEvents(t.app, t.env.TELEPHONY_SECRET, callEvent('access-1', 'call.offered', new Date()));
    const callId = (await t.db.pool.query('SELECT id FROM calls WHERE external_id = $1', ['access-1']))
      .rows[0].id as string;
    const claim = await request(op1, 'POST', `/api/queue/calls/${callId}/claim`);
    expect(claim.statusCode).toBe(200);
    const draftId = (claim.json() as { consultationId: string }).consultationId;
    expect((await request(op1, 'GET', `/api/consultations/${draftId}`)).statusCode).toBe(200);
    expect((await request(op1, 'GET', `/api/consultations/${draftId}/history`)).statusCode).toBe(200);

    for (const path of [`/api/consultations/${draftId}`, `/api/consultations/${draftId}/history`]) {
      const res = await request(op2, 'GET', path);
      expect([403, 404], path).toContain(res.statusCode);
      expect(res.body).not.toContain('access matrix');
    }
    // Nor write into it, nor open a draft of her own on operator1's call.
    const overwrite = await request(
      op2,
      'PUT',
      `/api/consultations/${draftId}`,
      draftBody({ baseRevision: 1 }),
    );
    expect([403, 404]).toContain(overwrite.statusCode);
    const intruder = crypto.randomUUID();
    const onHerCall = await request(op2, 'PUT', `/api/consultations/${intruder}`, draftBody({ callId }));
    expect(onHerCall.statusCode).toBe(403);
    const { rows } = await t.db.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM consultations WHERE id = $1',
      [intruder],
    );
    expect(rows[0]?.n).toBe(0);
    // A supervisor (consultation:read-any) may read it: the refusal above is about ownership.
    expect((await request(cookies.supervisor, 'GET', `/api/consultations/${draftId}`)).statusCode).toBe(200);
  });

  it("keeps a partner out of another organisation's referral", async () => {
    const op = cookies.operator as string;
    const consultationId = crypto.randomUUID();
    const saved = await request(
      op,
      'PUT',
      `/api/consultations/${consultationId}`,
      draftBody({
        data: {
          contactKind: 'about_self',
          survivor: { region: 'KG-GB', ageBand: '26-40', gender: 'female' },
          violenceForms: ['physical'],
          consent: { referral: 'yes' },
        },
      }),
    );
    expect(saved.statusCode).toBe(201);
    const { rows } = await t.db.pool.query<{ id: string }>(
      "SELECT id FROM partner_orgs WHERE slug = 'police-kg-gb'",
    );
    const referral = await request(op, 'POST', '/api/referrals', {
      id: crypto.randomUUID(),
      consultationId,
      partnerId: rows[0]?.id,
      urgency: 'urgent',
      consent: { basis: 'caller_consent' },
      fields: ['region', 'message'],
      message: 'access matrix referral',
    });
    expect(referral.statusCode).toBe(201);
    const referralId = (referral.json() as { id: string }).id;

    // Another operator neither reads it nor acts on it; the consultation's referrals are not hers to list.
    const op2 = await signInAs('operator2');
    expect((await request(op2, 'GET', `/api/referrals/${referralId}`)).statusCode).toBe(403);
    expect((await request(op2, 'POST', `/api/referrals/${referralId}/revoke`)).statusCode).toBe(403);
    const listed = await request(op2, 'GET', `/api/referrals?consultationId=${consultationId}`);
    expect([403, 404]).toContain(listed.statusCode);
    expect((await request(op2, 'GET', '/api/referrals')).json()).toEqual([]);

    // Its own organisation sees it (once delivered); another organisation's staff does not, nor can act on it.
    const other = await signInAs('partner-crisis-bishkek');
    const inbox = await request(other, 'GET', '/api/partner/referrals');
    expect(inbox.statusCode).toBe(200);
    expect(inbox.body).not.toContain(referralId);
    const act = await request(other, 'POST', `/api/partner/referrals/${referralId}/status`, {
      status: 'acknowledged',
    });
    expect([403, 404]).toContain(act.statusCode);
    expect((await request(other, 'GET', `/api/referrals/${referralId}`)).statusCode).toBe(403);
    const status = await t.db.pool.query<{ status: string }>('SELECT status FROM referrals WHERE id = $1', [
      referralId,
    ]);
    expect(status.rows[0]?.status).not.toBe('acknowledged');
  });
});
