import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDb, type DbHandle } from '@korgon/db';
import { freePort } from '@korgon/dev/postgres';
import {
  dumpDatabaseText,
  enrolTestDemo,
  freshDatabase,
  PROCESS_SECRETS,
  type ServerProcess,
  signInOverHttp,
  startProcess,
  startSmtp,
  startWebhookPartner,
  TEST_PASSWORD,
  testRedis,
  waitForUrl,
} from '@korgon/dev/testing';
import { sealLegacyExceptionReasons, staffViews } from '@korgon/referrals';
import { seedDemo } from '@korgon/server';
import { sealKeyFrom, signedHeaders, signedRequestHeaders } from '@korgon/signing';
import ExcelJS from 'exceljs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

/**
 * The canary (issue 13, docs/security.md "The canary"): a known caller number and known free texts go through
 * telephony, the consultation, referrals (webhook and e-mail), the partner's status callback, a follow-up and
 * the statistics exports, on a real server process and a real worker process logging at debug. Then every
 * place data can rest or leave is searched for them in clear (and base64 / hex): a pg_dump of the whole
 * database, every Redis key of the test's prefix, every log line, the exported files, and what the partners
 * received beyond what consent allows.
 */

const PHONE = '+996555123987';
/** Every written form of the number someone could grep for (E.164 with and without +, spaced, local, the last 9). */
const PHONE_FORMS = [
  '+996555123987',
  '996555123987',
  '+996 555 123 987',
  '996 555 123 987',
  '0555123987',
  '0555 123 987',
  '0 555 123 987',
  '555123987',
  '555 123 987',
  '555-123-987',
];
/** Forms of the number a PBX might send (refused: not E.164); a refusal must not echo them anywhere. */
const PHONE_REFUSED = ['996555123987', '0555123987', '+996 555 123 987'];

const TAG = '7f3a kizil alma';
const CANARY = {
  notes: `CANARY-NOTE-${TAG}, кызыл алма`,
  codeWord: `CANARY-CODE-${TAG}`,
  ifCallDrops: `CANARY-DROP-${TAG}`,
  override: `CANARY-OVERRIDE-${TAG}`,
  addendum: `CANARY-ADDENDUM-${TAG}`,
  message: `CANARY-MESSAGE-${TAG}`,
  outcome: `CANARY-OUTCOME-${TAG}`,
  followUp: `CANARY-FOLLOWUP-${TAG}`,
  exception: `CANARY-EXCEPTION-${TAG}`,
  lowered: `CANARY-LOWERED-${TAG}`,
  signOff: `CANARY-SIGNOFF-${TAG}`,
} as const;

/** The base64 (and base64url) of `s` as it appears inside any longer base64 text, at each of the 3 alignments. */
function base64Forms(s: string): string[] {
  const bytes = Buffer.from(s, 'utf8');
  const out: string[] = [];
  for (let pad = 0; pad < 3; pad++) {
    const full = Buffer.concat([Buffer.alloc(pad), bytes])
      .toString('base64')
      .replace(/=+$/, '');
    const inner = full.slice(Math.ceil((8 * pad) / 6), Math.floor((8 * (pad + bytes.length)) / 6));
    out.push(inner, inner.replaceAll('+', '-').replaceAll('/', '_'));
  }
  return [...new Set(out)];
}

interface Needle {
  what: string;
  text: string;
  /** Case-sensitive (base64); the others are matched in any case. */
  exact: boolean;
}

function needlesOf(what: string, s: string): Needle[] {
  const hex = Buffer.from(s, 'utf8').toString('hex');
  return [
    { what, text: s, exact: false },
    { what: `${what} (hex)`, text: hex, exact: false },
    // PostgreSQL's text form of bytea escapes and JSON's \u escapes are covered by hex and the clear form;
    // base64 is what a job payload or a log of a Buffer would carry.
    ...base64Forms(s).map((b) => ({ what: `${what} (base64)`, text: b, exact: true })),
  ];
}

const NEEDLES: Needle[] = [
  ...PHONE_FORMS.map((p) => ({ what: `phone ${p}`, text: p, exact: false })),
  ...needlesOf('phone digits', '996555123987'),
  ...Object.entries(CANARY).flatMap(([field, text]) => needlesOf(`canary ${field}`, text)),
  ...needlesOf('canary tag', TAG),
  ...needlesOf('canary tag (ky)', 'кызыл алма'),
];

/** Every needle found in `haystack`, with a little context, as lines naming `where`. */
function hitsIn(where: string, haystack: string): string[] {
  const lower = haystack.toLowerCase();
  const hits: string[] = [];
  for (const n of NEEDLES) {
    const i = n.exact ? haystack.indexOf(n.text) : lower.indexOf(n.text.toLowerCase());
    if (i < 0) continue;
    const context = haystack.slice(Math.max(0, i - 120), i + n.text.length + 120).replace(/\s+/g, ' ');
    hits.push(`${where}: ${n.what} — …${context}…`);
  }
  return hits;
}

let databaseUrl: string;
let db: DbHandle;
let server: ServerProcess;
let worker: ServerProcess;
let baseUrl: string;
let redisPrefix: string;
let redisUrl: string;
let smtp: Awaited<ReturnType<typeof startSmtp>>;
let partner: Awaited<ReturnType<typeof startWebhookPartner>>;
let webhookSecret = '';
const exportsDir = join(tmpdir(), `korgon-canary-exports-${process.pid}-${Date.now()}`);
const anchorsDir = join(tmpdir(), `korgon-canary-anchors-${process.pid}-${Date.now()}`);
/** The referral sent under a consent exception (the legacy-sealing test below reuses it). */
let exceptionReferralId = '';
/** What the test downloaded from the server (the exports, as a manager gets them). */
const downloads: { name: string; bytes: Buffer }[] = [];

async function api(cookie: string | null, method: string, path: string, body?: unknown) {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(cookie ? { cookie } : {}),
      origin: baseUrl,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON (a file): the caller reads text
  }
  return { status: res.status, json: json as Record<string, unknown>, text, headers: res.headers };
}

/** Signs in as the console does, second factor included. */
const signIn = (username: string): Promise<string> => signInOverHttp(baseUrl, username);

async function until<T>(what: string, f: () => Promise<T | undefined | null | false>, ms = 30_000) {
  return vi.waitFor(
    async () => {
      const v = await f();
      if (!v)
        throw new Error(
          `timed out waiting for ${what}\nserver:\n${server.output()}\nworker:\n${worker.output()}`,
        );
      return v;
    },
    { timeout: ms, interval: 100 },
  );
}

async function telephony(body: unknown) {
  const raw = JSON.stringify(body);
  const res = await fetch(`${baseUrl}/api/telephony/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signedHeaders(PROCESS_SECRETS.TELEPHONY_SECRET, raw) },
    body: raw,
  });
  return { status: res.status, text: await res.text() };
}

const one = async <T>(sql: string, params: unknown[]) =>
  (await db.pool.query(sql, params)).rows[0] as T | undefined;

/** Every key under the test's prefix, with its value read as its type needs (DUMP as a last resort). */
async function redisText(): Promise<{ text: string; keys: number }> {
  const r = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
  let text = '';
  let keys = 0;
  try {
    let cursor = '0';
    do {
      const [next, batch] = await r.scan(cursor, 'MATCH', `${redisPrefix}*`, 'COUNT', 1000);
      cursor = next;
      for (const key of batch) {
        keys++;
        const type = await r.type(key);
        let value: unknown;
        if (type === 'string') value = await r.get(key);
        else if (type === 'hash') value = await r.hgetall(key);
        else if (type === 'list') value = await r.lrange(key, 0, -1);
        else if (type === 'set') value = await r.smembers(key);
        else if (type === 'zset') value = await r.zrange(key, 0, -1, 'WITHSCORES');
        else if (type === 'stream') value = await r.xrange(key, '-', '+');
        else value = null;
        // DUMP too: its bytes hold the value whatever the type (and a compressed string's parts).
        const dump = await r.dumpBuffer(key);
        text += `\n${key} (${type}) ${JSON.stringify(value)} ${dump?.toString('latin1') ?? ''}`;
      }
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
  return { text, keys };
}

async function filesIn(dir: string): Promise<{ name: string; bytes: Buffer }[]> {
  const names = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  const out: { name: string; bytes: Buffer }[] = [];
  for (const name of names) {
    const bytes = await readFile(join(dir, name)).catch(() => null);
    if (bytes) out.push({ name: join(dir, name), bytes });
  }
  return out;
}

/** A file's searchable text: its bytes, and for an XLSX every cell's value (the zip's XML is compressed). */
async function fileText(name: string, bytes: Buffer): Promise<string> {
  if (!name.endsWith('.xlsx') && bytes.subarray(0, 2).toString('latin1') !== 'PK')
    return bytes.toString('utf8');
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(bytes as unknown as ArrayBuffer);
  const cells: string[] = [];
  book.eachSheet((sheet) => {
    cells.push(`[${sheet.name}]`);
    sheet.eachRow((row) => {
      row.eachCell((c) => {
        cells.push(String(c.text ?? ''));
        if (c.note) cells.push(JSON.stringify(c.note));
      });
    });
  });
  cells.push(JSON.stringify(book.creator ?? ''), JSON.stringify(book.title ?? ''));
  return cells.join('\n');
}

beforeAll(async () => {
  smtp = await startSmtp();
  partner = await startWebhookPartner(() => webhookSecret);
  databaseUrl = await freshDatabase('canary');
  db = createDb(databaseUrl, { max: 2 });
  await seedDemo(db.db, TEST_PASSWORD);
  await enrolTestDemo(db.db, PROCESS_SECRETS.NOTES_ENCRYPTION_KEY);
  ({ url: redisUrl, prefix: redisPrefix } = testRedis(databaseUrl));
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  // Both processes as in production (NODE_ENV, the app role), logging everything they would log at debug.
  const common = {
    ...PROCESS_SECRETS,
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    PUBLIC_URL: baseUrl,
    LOG_LEVEL: 'debug',
    EXPORTS_DIR: exportsDir,
    AUDIT_ANCHOR_DIR: anchorsDir,
    PARTNER_WEBHOOK_ALLOW_HTTP: 'true',
    PARTNER_WEBHOOK_ALLOW_PRIVATE: 'true',
    JOB_BACKOFF_MS: '200',
  };
  server = startProcess('server', { ...common, PORT: String(port), HOST: '127.0.0.1' });
  worker = startProcess('worker', { ...common, SMTP_URL: smtp.url, WEBHOOK_TIMEOUT_MS: '2000' });
  // A process that exits (a configuration it refuses) fails the start at once, with its output.
  const exited = Promise.race([server.exit, worker.exit]).then((code) => {
    throw new Error(`a process exited with ${code}`);
  });
  exited.catch(() => undefined); // stopping them at the end is no failure
  await Promise.race([waitForUrl(`${baseUrl}/healthz`, 100_000), exited]).catch((err: Error) => {
    throw new Error(`${err.message}\nserver:\n${server.output()}\nworker:\n${worker.output()}`);
  });
}, 150_000);

afterAll(async () => {
  await server?.stop();
  await worker?.stop();
  await db?.close();
  await partner?.close();
  await smtp?.close();
  // The test's Redis keys go with it (never a flush: the Redis is shared).
  if (redisPrefix) {
    const r = new Redis(redisUrl);
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${redisPrefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await r.del(...keys);
    } while (cursor !== '0');
    r.disconnect();
  }
});

describe('the canary', () => {
  it('goes through telephony, the consultation, referrals, the callback, a follow-up and exports, and is found nowhere in clear', async () => {
    const [op, manager, admin, sup] = [
      await signIn('operator1'),
      await signIn('manager'),
      await signIn('admin'),
      await signIn('supervisor'),
    ];

    // ── partners: one on a signed webhook, one by e-mail ──────────────────────────────────────────────
    const webhook = await api(admin, 'POST', '/api/admin/partners', {
      slug: 'canary-webhook',
      name: { ky: 'Кризистик борбор (API)', ru: 'Кризисный центр (API)', en: 'Crisis centre (API)' },
      type: 'crisis_centre',
      regions: ['KG-GB'],
      channel: 'webhook',
      webhookUrl: partner.url,
    });
    expect(webhook.status, webhook.text).toBe(201);
    const webhookId = webhook.json.id as string;
    webhookSecret = (await api(admin, 'POST', `/api/admin/partners/${webhookId}/webhook-secret`)).json
      .secret as string;
    const email = await api(admin, 'POST', '/api/admin/partners', {
      slug: 'canary-mail',
      name: { ky: 'Баш калкалоочу жай', ru: 'Убежище', en: 'Shelter' },
      type: 'shelter',
      regions: ['KG-GB'],
      channel: 'email',
      email: 'intake@shelter.example.kg',
    });
    expect(email.status, email.text).toBe(201);

    // ── telephony: the canary calls, is answered at operator1's extension, hangs up ───────────────────
    const callId = `canary-${Date.now()}`;
    const at = (s: number) => new Date(Date.now() - 60_000 + s * 1000).toISOString();
    const event = (type: string, s: number, extra: object = {}) => ({
      eventId: `${callId}:${type}`,
      callId,
      type,
      at: at(s),
      line: '5200',
      callerNumber: PHONE,
      ...extra,
    });
    const posted = await telephony([
      event('call.offered', 0),
      event('call.answered', 5, { extension: '101' }),
      event('call.ended', 40, { extension: '101' }),
    ]);
    expect(posted.status, posted.text).toBe(200);
    // A PBX sending the number in other forms is refused (not E.164), and the refusal must not echo it.
    for (const [i, form] of PHONE_REFUSED.entries()) {
      const refused = await telephony(
        event('call.offered', 0, { eventId: `${callId}:bad${i}`, callerNumber: form }),
      );
      expect(refused.status).toBe(400);
      expect(refused.text).not.toContain(form);
    }
    const call = await one<{ id: string; caller_hash: string }>(
      'SELECT id, caller_hash FROM calls WHERE external_id = $1',
      [callId],
    );
    expect(call?.caller_hash).toMatch(/^[0-9a-f]{64}$/);
    const draft = await until('the draft opened by the answer', () =>
      one<{ id: string; revision: number }>('SELECT id, revision FROM consultations WHERE call_id = $1', [
        call?.id,
      ]),
    );

    // ── the consultation: the canary in every free-text field, a risk override, finalized ────────────
    const data = {
      contactKind: 'about_self',
      callerRole: 'survivor',
      survivor: { gender: 'female', ageBand: '26-40', region: 'KG-GB', settlement: 'urban' },
      violenceForms: ['physical', 'threats'],
      servicesGiven: ['crisis_counselling'],
      consent: { statistics: 'yes', referral: 'yes' },
      safeContact: { safeToTalk: 'yes', callbackFrom: '18:00', callbackTo: '20:00', voicemailAllowed: 'no' },
      safetyPlan: { exit_room: true },
      followUp: { agreed: true, due: new Date(Date.now() + 2 * 86_400_000).toISOString() },
    };
    const saved = await api(op, 'PUT', `/api/consultations/${draft.id}`, {
      baseRevision: draft.revision,
      channel: 'call',
      callId: call?.id,
      data,
      secret: { notes: CANARY.notes, codeWord: CANARY.codeWord, ifCallDrops: CANARY.ifCallDrops },
    });
    expect(saved.status, saved.text).toBeLessThan(300);
    const risk = await api(op, 'PUT', `/api/consultations/${draft.id}/risk`, {
      methodologyId: 'kg-hotline-risk',
      version: '0.1',
      answers: { strangulation: 'yes' },
      override: { level: 'critical', reason: CANARY.override },
    });
    expect(risk.status, risk.text).toBe(200);
    const fin = await api(op, 'POST', `/api/consultations/${draft.id}/finalize`, {
      revision: saved.json.revision,
    });
    expect(fin.status, fin.text).toBe(200);
    const addendum = await api(op, 'POST', `/api/consultations/${draft.id}/addenda`, {
      text: CANARY.addendum,
    });
    expect(addendum.status, addendum.text).toBeLessThan(300);
    // The operator reads it back in clear: the canary is really in the record (sealed, not dropped).
    const read = await api(op, 'GET', `/api/consultations/${draft.id}`);
    expect(read.text).toContain(CANARY.notes);
    expect(read.text).toContain(CANARY.codeWord);
    expect(read.text).toContain(CANARY.ifCallDrops);
    expect(read.text).toContain(CANARY.addendum);
    expect(read.text).toContain(CANARY.override);

    // A second contact's lowered level, signed off by a supervisor with a note (both free text).
    const second = crypto.randomUUID();
    const secondSaved = await api(op, 'PUT', `/api/consultations/${second}`, {
      baseRevision: 0,
      channel: 'call_back',
      data: { contactKind: 'about_self' },
      secret: { notes: CANARY.notes, codeWord: '', ifCallDrops: '' },
    });
    expect(secondSaved.status, secondSaved.text).toBe(201);
    const lowered = await api(op, 'PUT', `/api/consultations/${second}/risk`, {
      methodologyId: 'kg-hotline-risk',
      version: '0.1',
      answers: {
        injury_latest: 'yes',
        very_frightened: 'yes',
        isolated: 'yes',
        separation_recent: 'yes',
        child_conflict: 'yes',
        stalking: 'yes',
      },
      override: { level: 'low', reason: CANARY.lowered },
    });
    expect(lowered.status, lowered.text).toBe(200);
    const pending = await api(sup, 'GET', '/api/risk/sign-offs');
    expect(pending.text).toContain(CANARY.lowered);
    const assessmentId =
      (lowered.json.record as { id: string } | undefined)?.id ?? (lowered.json.id as string);
    const signed = await api(sup, 'POST', `/api/risk/assessments/${assessmentId}/sign-off`, {
      approve: true,
      note: CANARY.signOff,
    });
    expect(signed.status, signed.text).toBe(200);
    const secondRead = await api(op, 'GET', `/api/consultations/${second}`);
    expect(secondRead.text).toContain(CANARY.lowered);
    expect(secondRead.text).toContain(CANARY.signOff);

    // ── referrals: to the webhook partner (with the message) and to the e-mail partner ───────────────
    const refer = (partnerId: string) =>
      api(op, 'POST', '/api/referrals', {
        id: crypto.randomUUID(),
        consultationId: draft.id,
        partnerId,
        urgency: 'urgent',
        consent: { basis: 'caller_consent' },
        fields: [
          'region',
          'settlement',
          'ageBand',
          'gender',
          'violenceForms',
          'riskLevel',
          'safeContact',
          'message',
        ],
        message: CANARY.message,
      });
    const toWebhook = await refer(webhookId);
    expect(toWebhook.status, toWebhook.text).toBe(201);
    const toMail = await refer(email.json.id as string);
    expect(toMail.status, toMail.text).toBe(201);
    // A referral under a consent exception: its reason is free text for the supervisors, never the partner's.
    const police = await one<{ id: string }>("SELECT id FROM partner_orgs WHERE slug = 'police-kg-gb'", []);
    const underException = await api(op, 'POST', '/api/referrals', {
      id: crypto.randomUUID(),
      consultationId: draft.id,
      partnerId: police?.id,
      urgency: 'urgent',
      consent: { exception: 'imminent_danger', reason: CANARY.exception },
      fields: ['region', 'riskLevel'],
    });
    expect(underException.status, underException.text).toBe(201);
    exceptionReferralId = underException.json.id as string;
    expect((await api(sup, 'GET', `/api/referrals/${underException.json.id}`)).text).toContain(
      CANARY.exception,
    );
    const delivered = await until('the webhook delivery', async () =>
      partner.calls.find((c) => c.body.id === toWebhook.json.id && c.signatureOk),
    );
    const mail = await until('the e-mail', async () =>
      smtp.mails.find((m) => m.referralId === toMail.json.id),
    );

    // The partner's signed callback: acknowledged, accepted, done with the canary as outcome.
    const statusPath = new URL(delivered.body.statusUrl).pathname;
    for (const body of [
      { status: 'acknowledged' },
      { status: 'accepted' },
      { status: 'done', outcome: CANARY.outcome },
    ]) {
      const raw = JSON.stringify(body);
      const res = await fetch(`${baseUrl}${statusPath}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...signedRequestHeaders(webhookSecret, 'POST', statusPath, raw),
        },
        body: raw,
      });
      expect(res.status, await res.text()).toBe(200);
    }
    const outcome = await api(op, 'GET', `/api/referrals/${toWebhook.json.id}`);
    expect(outcome.json.outcome).toBe(CANARY.outcome);
    // The e-mail partner opens its one-time link and acknowledges.
    const link = /https?:\/\/\S+\/api\/partners\/ack\/\S+/.exec(mail.text)?.[0] as string;
    expect(link).toBeTruthy();
    await until('the e-mail referral delivered', async () =>
      ['delivered', 'acknowledged'].includes(
        (await one<{ status: string }>('SELECT status FROM referrals WHERE id = $1', [toMail.json.id]))
          ?.status ?? '',
      ),
    );
    expect((await fetch(link, { method: 'POST', headers: { origin: baseUrl } })).status).toBe(200);

    // ── the follow-up the caller agreed to: cancelled with a reason ───────────────────────────────────
    const followUp = await until('the follow-up', () =>
      one<{ id: string }>('SELECT id FROM follow_ups WHERE consultation_id = $1', [draft.id]),
    );
    const cancelled = await api(op, 'POST', `/api/follow-ups/${followUp.id}/cancel`, {
      reason: CANARY.followUp,
    });
    expect(cancelled.status, cancelled.text).toBe(200);

    // ── statistics exports, CSV and XLSX, downloaded as a manager does ────────────────────────────────
    const year = new Date().getUTCFullYear();
    for (const format of ['csv', 'xlsx'] as const) {
      const created = await api(manager, 'POST', '/api/exports', {
        report: 'table',
        from: `${year}-01-01`,
        to: `${year}-12-31`,
        rows: 'region',
        cols: 'violenceForms',
        format,
        locale: 'ru',
      });
      expect(created.status, created.text).toBe(202);
      const done = await until(`the ${format} export`, async () => {
        const s = await api(manager, 'GET', `/api/exports/${created.json.id}`);
        return s.json.state === 'done' ? s.json : s.json.state === 'failed' ? { failed: s.text } : null;
      });
      expect(done).not.toHaveProperty('failed');
      const file = await fetch(`${baseUrl}/api/exports/${created.json.id}/file`, {
        headers: { cookie: manager },
      });
      expect(file.status).toBe(200);
      downloads.push({ name: `download.${format}`, bytes: Buffer.from(await file.arrayBuffer()) });
    }

    // ── stop both processes (their logs complete), then search everything ─────────────────────────────
    // Stopped, so that their logs are complete. What this test holds them to is what they wrote, not how they
    // ended: about one run in five the server's graceful close has hung until its 20 s limit and it exited 1
    // (not yet explained; the forced exit now logs what was still open). That is accepted here, and only that.
    const stopped = (code: number | null, output: string) =>
      code === 0 || (code === 1 && output.includes('shutdown took longer than 20 s'));
    const serverCode = await server.stop();
    expect(stopped(serverCode, server.output()), server.output().slice(-4000)).toBe(true);
    expect(await worker.stop(), worker.output().slice(-4000)).toBe(0);

    const hits: string[] = [];
    const dump = await dumpDatabaseText(databaseUrl);
    expect(dump.pgDump, 'pg_dump must run: a compatible client is on the PATH').toBe(true);
    // The dump is real: the consultation, its sealed notes and the referrals are in it.
    expect(dump.text).toContain(draft.id);
    expect(dump.text).toContain(toWebhook.json.id as string);
    hits.push(...hitsIn('database dump', dump.text));

    const redis = await redisText();
    expect(redis.keys).toBeGreaterThan(0);
    hits.push(...hitsIn('Redis', redis.text));

    const serverLog = server.output();
    const workerLog = worker.output();
    // The logs are real: debug lines of both processes, the requests above among them.
    expect(serverLog).toContain('/api/telephony/events');
    expect(workerLog).toContain('"service":"worker"');
    hits.push(...hitsIn('server log', serverLog), ...hitsIn('worker log', workerLog));

    for (const f of [...downloads, ...(await filesIn(exportsDir)), ...(await filesIn(anchorsDir))])
      hits.push(
        ...hitsIn(`file ${f.name}`, await fileText(f.name, f.bytes)),
        ...hitsIn(`file ${f.name} (bytes)`, f.bytes.toString('latin1')),
      );
    expect(downloads.length).toBe(2);

    // The webhook partner may receive what the referral's fields and consent allow: here the operator's
    // message, in `content.message` and nowhere else. Anything else of the canary it received is a leak.
    for (const c of partner.calls) {
      if (c.body.id === toWebhook.json.id) expect(c.body.content.message).toBe(CANARY.message);
      const allowed = `"message":${JSON.stringify(CANARY.message)}`;
      hits.push(
        ...hitsIn(`webhook request ${c.idempotencyKey}`, c.raw.replace(allowed, '"message":"(allowed)"')),
      );
    }
    // The e-mail carries no personal data at all: not even the message.
    for (const m of smtp.mails)
      hits.push(...hitsIn(`e-mail to ${m.to}`, `${m.raw}\n${m.subject}\n${m.text}`));

    expect(hits, `the canary was found in clear:\n${hits.join('\n')}`).toEqual([]);
  }, 180_000);

  it('seals a consent-exception reason stored in clear before sealing existed, and still shows it to staff', async () => {
    expect(exceptionReferralId).not.toBe('');
    const OLD = `CANARY-LEGACY-${TAG}`;
    await db.pool.query(
      `UPDATE referrals SET consent_exception_reason = $2, consent_exception_reason_sealed = NULL WHERE id = $1`,
      [exceptionReferralId, OLD],
    );
    expect((await dumpDatabaseText(databaseUrl)).text).toContain(OLD);
    const key = sealKeyFrom(PROCESS_SECRETS.NOTES_ENCRYPTION_KEY, 1);
    expect(await sealLegacyExceptionReasons(db.pool, key)).toBe(1);
    expect(await sealLegacyExceptionReasons(db.pool, key)).toBe(0);
    expect((await staffViews(db.pool, key, [exceptionReferralId]))[0]?.consent.reason).toBe(OLD);
    expect((await dumpDatabaseText(databaseUrl)).text).not.toContain(OLD);
  });
});
