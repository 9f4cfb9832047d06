import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type ConsoleSocket,
  callEvent,
  connectConsole,
  createTestApp,
  postEvents,
  signIn,
  type TestApp,
} from '@korgon/dev/testing';
import { QUEUE_NAMES, REFERRAL_STATUSES } from '@korgon/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** One sample of the Prometheus text format. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The text format's samples (comments and blank lines skipped); enough of it for these assertions. */
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1] ?? ''] = l[2] ?? '';
    samples.push({ name: m[1] ?? '', labels, value: Number(m[3]) });
  }
  return samples;
}

const find = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));

const TOKEN = randomBytes(32).toString('base64');
/** A caller's number, sent by the PBX: it must never reach a metric. */
const PHONE = '+996555417263';

let t: TestApp;
let socket: ConsoleSocket | undefined;
let anchorDir: string;

beforeAll(async () => {
  anchorDir = join('/tmp', `korgon-metrics-anchors-${randomBytes(6).toString('hex')}`);
  t = await createTestApp({
    label: 'metrics',
    listen: true,
    env: { METRICS_TOKEN: TOKEN, METRICS_ALLOW: '127.0.0.1,10.1.0.0/16', AUDIT_ANCHOR_DIR: anchorDir },
  });
});
afterAll(async () => {
  socket?.close();
  await t?.close();
});

const scrape = (headers: Record<string, string> = {}, remoteAddress = '127.0.0.1') =>
  t.app.inject({ method: 'GET', url: '/metrics', headers, remoteAddress });
const bearer = { authorization: `Bearer ${TOKEN}` };

describe('GET /metrics access', () => {
  it('answers 401 without the token or with a wrong one, from an allowed address', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: `Bearer ${TOKEN}x` },
      { authorization: TOKEN },
    ];
    for (const headers of attempts) {
      const res = await scrape(headers);
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toContain('Bearer');
      expect(res.json().message).toContain('METRICS_TOKEN');
      expect(res.body).not.toContain('http_request_duration_seconds');
    }
  });

  it('answers 403 from an address outside METRICS_ALLOW, even with the token', async () => {
    for (const address of ['192.168.7.9', '10.2.0.1', '::1']) {
      const res = await scrape(bearer, address);
      expect(res.statusCode).toBe(403);
      expect(res.json().message).toContain('METRICS_ALLOW');
    }
  });

  it('is not in the public API document', async () => {
    const doc = (await t.app.inject({ url: '/api/openapi.json' })).json() as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(doc.paths)).not.toContain('/metrics');
  });
});

describe('GET /metrics figures', () => {
  let samples: Sample[];
  let text: string;
  const missingId = randomUUID();
  let operatorId: string;

  beforeAll(async () => {
    const cookie = await signIn(t.app, 'operator1');
    operatorId = (await t.db.pool.query<{ id: string }>("SELECT id FROM users WHERE username = 'operator1'"))
      .rows[0]?.id as string;
    // A route with an id in its path: the label must be its pattern.
    const res = await t.app.inject({ url: `/api/consultations/${missingId}`, headers: { cookie } });
    expect(res.statusCode).toBe(404);
    socket = await connectConsole(t.baseUrl, cookie);
    // A call with the caller's number, through the signed PBX route: a queue change is pushed.
    const posted = await postEvents(t.app, t.env.TELEPHONY_SECRET, [
      callEvent(`metrics-${randomUUID()}`, 'call.offered', new Date(), { callerNumber: PHONE }),
    ]);
    expect(posted.statusCode).toBeLessThan(300);
    // A failed referral (straight in the database: the metric counts rows by status, however they got there).
    const taxonomy = (
      await t.db.pool.query<{ version: string }>('SELECT version FROM taxonomy_versions LIMIT 1')
    ).rows[0]?.version;
    const partner = (await t.db.pool.query<{ id: string }>('SELECT id FROM partner_orgs LIMIT 1')).rows[0]
      ?.id;
    const consultationId = randomUUID();
    await t.db.pool.query(
      'INSERT INTO consultations (id, operator_id, taxonomy_version) VALUES ($1, $2, $3)',
      [consultationId, operatorId, taxonomy],
    );
    await t.db.pool.query(
      `INSERT INTO referrals (id, consultation_id, partner_org_id, urgency, status, created_by)
       VALUES ($1, $2, $3, 'standard', 'failed', $4)`,
      [randomUUID(), consultationId, partner, operatorId],
    );
    // A checkpoint of the audit chain, as the worker writes it.
    await mkdir(anchorDir, { recursive: true });
    await writeFile(
      join(anchorDir, 'audit-anchors.jsonl'),
      `${JSON.stringify({ id: 1, hash: 'a'.repeat(64), at: '2026-01-02T03:04:05.000Z', sig: 'b'.repeat(64) })}\n`,
    );
    const scraped = await scrape(bearer);
    expect(scraped.statusCode).toBe(200);
    expect(scraped.headers['content-type']).toContain('text/plain');
    text = scraped.body;
    samples = parseMetrics(text);
  });

  it('times HTTP requests by route pattern, never by the raw URL', () => {
    const route = find(samples, 'http_request_duration_seconds_count', {
      method: 'GET',
      route: '/api/consultations/:id',
      status_class: '4xx',
    });
    expect(route).toHaveLength(1);
    expect(route[0]?.value).toBeGreaterThanOrEqual(1);
    expect(text).not.toContain(missingId);
    // Every route label is a registered pattern (or "unmatched"), so none holds an id.
    for (const s of find(samples, 'http_request_duration_seconds_count'))
      expect(s.labels.route).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
  });

  it("counts this process's sockets by role", () => {
    expect(find(samples, 'korgon_sockets_connected', { role: 'operator' })[0]?.value).toBe(1);
    expect(find(samples, 'korgon_sockets_connected', { role: 'manager' })[0]?.value).toBe(0);
  });

  it('reports the push lag of queue changes', () => {
    expect(find(samples, 'korgon_queue_push_lag_seconds_count')[0]?.value).toBeGreaterThanOrEqual(1);
  });

  it('gives every BullMQ queue its depth by state', () => {
    for (const queue of QUEUE_NAMES)
      for (const state of ['waiting', 'active', 'delayed', 'failed'])
        expect(find(samples, 'korgon_jobs', { queue, state })).toHaveLength(1);
    expect(find(samples, 'korgon_metrics_source_up', { source: 'redis' })[0]?.value).toBe(1);
  });

  it('counts referrals by status, consultations, alerts and the worker from PostgreSQL', () => {
    for (const status of REFERRAL_STATUSES)
      expect(find(samples, 'korgon_referrals', { status })).toHaveLength(1);
    expect(find(samples, 'korgon_referrals', { status: 'failed' })[0]?.value).toBe(1);
    expect(find(samples, 'korgon_consultations', { status: 'draft' })[0]?.value).toBeGreaterThanOrEqual(1);
    expect(find(samples, 'korgon_alerts_unresolved', { kind: 'any', state: 'open' })).toHaveLength(1);
    // No worker runs in this test.
    expect(find(samples, 'korgon_workers_alive')[0]?.value).toBe(0);
    expect(find(samples, 'korgon_worker_last_seen_timestamp_seconds')[0]?.value).toBe(0);
    expect(find(samples, 'korgon_metrics_source_up', { source: 'postgres' })[0]?.value).toBe(1);
  });

  it("reports the newest audit checkpoint's time", () => {
    expect(find(samples, 'korgon_audit_anchor_last_timestamp_seconds')[0]?.value).toBe(
      Date.parse('2026-01-02T03:04:05.000Z') / 1000,
    );
  });

  it('carries process figures', () => {
    expect(find(samples, 'process_resident_memory_bytes')).toHaveLength(1);
    expect(find(samples, 'nodejs_eventloop_lag_seconds')).toHaveLength(1);
  });

  it('holds no personal data: no caller number, no user id, no name', () => {
    const digits = PHONE.replace(/\D/g, '');
    expect(text.replace(/\D/g, ' ')).not.toContain(digits);
    expect(text).not.toContain(digits.slice(-9));
    expect(text).not.toContain(operatorId);
    expect(text).not.toContain('operator1');
    expect(text).not.toContain('Асанова');
  });
});

describe('GET /metrics from an allowed block', () => {
  // Last: a successful scrape fills the figures' short cache, which the tests above must not find filled.
  it('admits an address inside a CIDR block of METRICS_ALLOW with the token', async () => {
    expect((await scrape(bearer, '10.1.200.3')).statusCode).toBe(200);
  });
});
