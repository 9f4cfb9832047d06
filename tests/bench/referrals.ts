import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { verify } from '@korgon/signing';
import pg from 'pg';
import { type BenchContext, type BenchResult, signIn } from './lib/context';
import { log } from './lib/services';
import { now, percentiles, ratio, request, sleep } from './lib/util';
import { loadGraphileWorker, startWorkerProcess } from './lib/worker';

/**
 * referral-delivery: the real server and the real worker (both their own production processes) and a partner's
 * webhook (an HTTP server in this process that checks each signature and notes when each Idempotency-Key first
 * arrived).
 *
 * 1. Latency: operators POST /api/referrals at 50/s for 30 s (a 2 s warm-up is not counted); per referral the
 *    time from its commit to its receipt by the partner. The commit lies between the referral's created_at
 *    (PostgreSQL's now(), the start of its transaction: `p*_ms` measure from there, an upper bound) and the
 *    POST's answer (`from_answer_*`, a lower bound).
 * 2. Throughput: a backlog of 5,000 referrals committed at once (rows, their "queued" events and their delivery
 *    jobs inserted by SQL in one transaction, as the server does per referral), then referrals/s received.
 *
 * Baseline, same run: graphile-worker alone, in this process, with the worker's concurrency and poll interval:
 * `add_job` → start of an empty task, at the same rate; and how fast it drains 5,000 empty jobs.
 */
export const REFERRALS = {
  ratePerSecond: Number(process.env.BENCH_REFERRAL_RATE ?? 50),
  seconds: Number(process.env.BENCH_REFERRAL_SECONDS ?? 30),
  warmupSeconds: 2,
  baselineSeconds: Number(process.env.BENCH_REFERRAL_BASELINE_SECONDS ?? 15),
  backlog: Number(process.env.BENCH_REFERRAL_BACKLOG ?? 5000),
  backlogMaxSeconds: 60,
  /** apps/worker/src/config.ts (not configurable) and apps/worker/src/worker.ts. */
  workerConcurrency: 5,
  workerPollIntervalMs: 2000,
  /** As the server adds a referral's job (packages/referrals/src/jobs.ts): standard urgency. */
  maxAttempts: 6,
};

/** The partner's system: checks signatures, records the first arrival of each Idempotency-Key. */
async function startPartner(secret: () => string) {
  const received = new Map<string, number>();
  let calls = 0;
  let badSignatures = 0;
  const header = (req: http.IncomingMessage, name: string) => {
    const v = req.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const t = now();
      calls++;
      const raw = Buffer.concat(chunks);
      const verdict = verify(
        secret(),
        header(req, 'x-korgon-timestamp'),
        header(req, 'x-korgon-signature'),
        raw,
      );
      if (!verdict.ok) {
        badSignatures++;
        res.writeHead(401).end();
        return;
      }
      const key = header(req, 'idempotency-key') ?? '';
      if (!received.has(key)) received.set(key, t);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/korgon/referrals`,
    received,
    stats: () => ({ calls, badSignatures }),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

type Partner = Awaited<ReturnType<typeof startPartner>>;

async function api(
  ctx: BenchContext,
  agent: http.Agent,
  cookie: string,
  method: string,
  path: string,
  body?: unknown,
) {
  const res = await request(`${ctx.server.url}${path}`, {
    method,
    agent,
    headers: {
      cookie,
      origin: ctx.server.origin,
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(res.body);
  } catch {
    // not JSON: left empty, the status tells
  }
  return { status: res.status, json, body: res.body };
}

/** Waits for `check` to hold, at most `ms`; says whether it did. */
async function waitUntil(
  check: () => boolean | Promise<boolean>,
  ms: number,
  everyMs = 20,
): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await sleep(everyMs);
  }
  return check();
}

async function deliverJobsLeft(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE task_identifier = 'referral_deliver'",
  );
  return rows[0]?.n ?? 0;
}

/** Where a delivery's time goes, from PostgreSQL's own stamps: queued → sent (waiting for a worker) → delivered. */
async function breakdown(pool: pg.Pool, ids: string[]) {
  const { rows } = await pool.query<{ wait_ms: number; work_ms: number }>(
    `SELECT extract(epoch FROM s.at - r.created_at) * 1000 AS wait_ms,
            extract(epoch FROM r.delivered_at - s.at) * 1000 AS work_ms
       FROM referrals r JOIN referral_events s ON s.referral_id = r.id AND s.status = 'sent'
      WHERE r.id = ANY($1::uuid[]) AND r.delivered_at IS NOT NULL`,
    [ids],
  );
  return {
    wait: percentiles(rows.map((r) => Number(r.wait_ms))),
    work: percentiles(rows.map((r) => Number(r.work_ms))),
  };
}

interface Sent {
  id: string;
  sentAt: number;
  answeredAt: number;
  createdAt: number;
}

/** Open loop: referral i goes out at start + i/rate, whether or not earlier answers came back. */
async function driveReferrals(
  ctx: BenchContext,
  agent: http.Agent,
  operators: { cookie: string; consultationIds: string[] }[],
  partnerId: string,
) {
  const total = (REFERRALS.seconds + REFERRALS.warmupSeconds) * REFERRALS.ratePerSecond;
  const warmup = REFERRALS.warmupSeconds * REFERRALS.ratePerSecond;
  const measured: Sent[] = [];
  const postLatencies: number[] = [];
  const errors = new Map<number, number>();
  const start = now() + 100;
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / REFERRALS.ratePerSecond;
    const wait = due - now();
    if (wait > 1) await sleep(wait);
    const op = operators[i % operators.length] as (typeof operators)[number];
    const id = crypto.randomUUID();
    const t0 = now();
    inFlight.push(
      api(ctx, agent, op.cookie, 'POST', '/api/referrals', {
        id,
        consultationId: op.consultationIds[i % op.consultationIds.length],
        partnerId,
        urgency: 'standard',
        consent: { basis: 'caller_consent' },
        fields: ['region', 'ageBand', 'riskLevel', 'message'],
        message: 'She can talk after 18:00; ask for Aigul.',
      }).then(
        (res) => {
          const t1 = now();
          postLatencies.push(t1 - t0);
          if (res.status !== 201) {
            errors.set(res.status, (errors.get(res.status) ?? 0) + 1);
            return;
          }
          if (i >= warmup)
            measured.push({
              id,
              sentAt: t0,
              answeredAt: t1,
              createdAt: Date.parse(String(res.json.createdAt)),
            });
        },
        () => {
          errors.set(0, (errors.get(0) ?? 0) + 1);
        },
      ),
    );
  }
  await Promise.all(inFlight);
  return { measured, postLatencies, errors, sent: total };
}

/** graphile-worker alone: add_job at the same rate → start of an empty task; then drain an equal backlog. */
async function bareGraphileWorker(ctx: BenchContext) {
  const gw = await loadGraphileWorker();
  const pool = new pg.Pool({
    connectionString: ctx.databaseUrl,
    max: REFERRALS.workerConcurrency + 2,
    application_name: 'korgon-bench-graphile',
  });
  // graphile-worker checks that a pool it is given handles errors, on the pool and on each client.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  const starts = new Map<number, number>();
  const runner = await gw.run({
    pgPool: pool,
    concurrency: REFERRALS.workerConcurrency,
    pollInterval: REFERRALS.workerPollIntervalMs,
    noHandleSignals: true,
    logger: new gw.Logger(() => (level, message) => {
      if (level === 'error') log(`baseline graphile-worker: ${message.slice(0, 300)}`);
    }),
    taskList: {
      bench_noop: async (payload) => {
        const t = now();
        const i = (payload as { i: number }).i;
        if (!starts.has(i)) starts.set(i, t);
      },
    },
  });
  try {
    // Latency at the same rate, added as the server adds a delivery job (SQL add_job with a job key).
    const total = REFERRALS.baselineSeconds * REFERRALS.ratePerSecond;
    const warmup = REFERRALS.warmupSeconds * REFERRALS.ratePerSecond;
    const added = new Map<number, number>();
    const start = now() + 100;
    const inFlight: Promise<unknown>[] = [];
    for (let i = 0; i < total + warmup; i++) {
      const due = start + (i * 1000) / REFERRALS.ratePerSecond;
      const wait = due - now();
      if (wait > 1) await sleep(wait);
      const t0 = now();
      if (i >= warmup) added.set(i, t0);
      inFlight.push(
        ctx.pool.query(
          `SELECT graphile_worker.add_job('bench_noop', json_build_object('i', $1::int), job_key := 'bench-noop:' || $1,
                                          max_attempts := $2, priority := 10)`,
          [i, REFERRALS.maxAttempts],
        ),
      );
    }
    await Promise.all(inFlight);
    await waitUntil(() => starts.size >= total + warmup, 15_000);
    const latencies: number[] = [];
    let missing = 0;
    for (const [i, t0] of added) {
      const t = starts.get(i);
      if (t === undefined) missing++;
      else latencies.push(t - t0);
    }

    // Drain: the same backlog of empty jobs committed at once.
    const offset = 1_000_000;
    const client = new pg.Client({ connectionString: ctx.databaseUrl });
    await client.connect();
    let t0 = 0;
    try {
      await client.query('BEGIN');
      await client.query(
        `SELECT count(graphile_worker.add_job('bench_noop', json_build_object('i', i), job_key := 'bench-noop:' || i,
                                              max_attempts := $3, priority := 10))
           FROM generate_series($1::int, $2::int) AS i`,
        [offset, offset + REFERRALS.backlog - 1, REFERRALS.maxAttempts],
      );
      await client.query('COMMIT');
      t0 = now();
    } finally {
      await client.end();
    }
    const drained = await waitUntil(() => {
      let n = 0;
      for (const i of starts.keys()) if (i >= offset) n++;
      return n >= REFERRALS.backlog;
    }, 30_000);
    let last = t0;
    let n = 0;
    for (const [i, t] of starts) {
      if (i < offset) continue;
      n++;
      last = Math.max(last, t);
    }
    return {
      latency: percentiles(latencies),
      missing,
      drainPerSecond: last > t0 ? Math.round(n / ((last - t0) / 1000)) : null,
      drained,
    };
  } finally {
    await runner.stop();
    await pool.end();
  }
}

export async function referralDelivery(ctx: BenchContext): Promise<BenchResult> {
  let secret = '';
  const partner: Partner = await startPartner(() => secret);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  let worker: Awaited<ReturnType<typeof startWorkerProcess>> | undefined;
  try {
    // The partner, registered by an administrator, with its signing secret.
    const admin = await signIn(ctx, 'admin', agent);
    const created = await api(ctx, agent, admin, 'POST', '/api/admin/partners', {
      slug: 'bench-crisis-webhook',
      name: { ky: 'Кризистик борбор (bench)', ru: 'Кризисный центр (bench)', en: 'Crisis centre (bench)' },
      type: 'crisis_centre',
      regions: ['KG-GB'],
      channel: 'webhook',
      webhookUrl: partner.url,
    });
    if (created.status !== 201) throw new Error(`creating the partner: ${created.status} ${created.body}`);
    const partnerId = String(created.json.id);
    const made = await api(ctx, agent, admin, 'POST', `/api/admin/partners/${partnerId}/webhook-secret`);
    secret = String(made.json.secret ?? '');
    if (!secret) throw new Error(`no webhook secret: ${made.status} ${made.body}`);

    // Operators, each with consultations whose caller consented to a referral.
    const operators = await Promise.all(
      ['operator1', 'operator2', 'operator3'].map(async (username) => {
        const cookie = await signIn(ctx, username, agent);
        const consultationIds: string[] = [];
        for (let k = 0; k < 2; k++) {
          const id = crypto.randomUUID();
          const save = await api(ctx, agent, cookie, 'PUT', `/api/consultations/${id}`, {
            baseRevision: 0,
            channel: 'call_back',
            data: {
              contactKind: 'about_self',
              survivor: { region: 'KG-GB', ageBand: '26-40', gender: 'female' },
              violenceForms: ['physical', 'threats'],
              consent: { referral: 'yes' },
              safeContact: { callbackFrom: '18:00', callbackTo: '20:00' },
            },
            secret: { notes: 'bench notes', codeWord: '', ifCallDrops: '' },
          });
          if (save.status !== 201) throw new Error(`saving a consultation: ${save.status} ${save.body}`);
          consultationIds.push(id);
        }
        return { username, cookie, consultationIds };
      }),
    );

    worker = await startWorkerProcess(ctx.databaseUrl, ctx.server.url, ctx.secrets, ctx.pool, {
      WEBHOOK_TIMEOUT_MS: '5000',
    });

    // 1. Latency at a steady rate.
    log(
      `referral-delivery: ${REFERRALS.ratePerSecond} referrals/s for ${REFERRALS.seconds} s through the real server, worker and a webhook`,
    );
    const load = await driveReferrals(ctx, agent, operators, partnerId);
    const allArrived = await waitUntil(() => load.measured.every((s) => partner.received.has(s.id)), 20_000);
    const fromCreated: number[] = [];
    const fromSend: number[] = [];
    const fromAnswer: number[] = [];
    let missing = 0;
    for (const s of load.measured) {
      const t = partner.received.get(s.id);
      if (t === undefined) {
        missing++;
        continue;
      }
      fromCreated.push(t - s.createdAt);
      fromSend.push(t - s.sentAt);
      fromAnswer.push(t - s.answeredAt);
    }
    await waitUntil(async () => (await deliverJobsLeft(ctx.pool)) === 0, 20_000, 200);
    const steady = await breakdown(
      ctx.pool,
      load.measured.map((s) => s.id),
    );

    // 2. Throughput: a backlog committed at once.
    log(`referral-delivery: a backlog of ${REFERRALS.backlog} referrals committed at once`);
    const op = operators[0] as (typeof operators)[number];
    const { rows: me } = await ctx.pool.query<{ id: string }>(
      "SELECT id FROM users WHERE username = 'operator1'",
    );
    const backlogIds = Array.from({ length: REFERRALS.backlog }, () => crypto.randomUUID());
    const client = new pg.Client({ connectionString: ctx.databaseUrl, application_name: 'korgon-bench' });
    await client.connect();
    const insertStart = now();
    let committedAt = 0;
    try {
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO referrals (id, consultation_id, partner_org_id, urgency, status, consent_basis, fields, content,
                                key_version, created_by)
         SELECT id, $2, $3, 'standard', 'queued', 'caller_consent', ARRAY['region', 'ageBand', 'riskLevel'],
                '{"region":"KG-GB","ageBand":"26-40","riskLevel":"high"}'::jsonb, 1, $4
           FROM unnest($1::uuid[]) AS id`,
        [backlogIds, op.consultationIds[0], partnerId, me[0]?.id],
      );
      await client.query(
        `INSERT INTO referral_events (referral_id, status, actor_id) SELECT id, 'queued', $2 FROM unnest($1::uuid[]) AS id`,
        [backlogIds, me[0]?.id],
      );
      await client.query(
        `SELECT count(graphile_worker.add_job('referral_deliver', json_build_object('referralId', id::text),
                                              job_key := 'deliver:' || id, max_attempts := $2, priority := 10))
           FROM unnest($1::uuid[]) AS id`,
        [backlogIds, REFERRALS.maxAttempts],
      );
      await client.query('COMMIT');
      committedAt = now();
    } finally {
      await client.end();
    }
    const insertMs = committedAt - insertStart;
    const complete = await waitUntil(
      () => backlogIds.every((id) => partner.received.has(id)),
      REFERRALS.backlogMaxSeconds * 1000,
      100,
    );
    let lastArrival = committedAt;
    let arrived = 0;
    for (const id of backlogIds) {
      const t = partner.received.get(id);
      if (t === undefined) continue;
      arrived++;
      lastArrival = Math.max(lastArrival, t);
    }
    const windowS = complete ? (lastArrival - committedAt) / 1000 : REFERRALS.backlogMaxSeconds;
    const throughput = Math.round(arrived / windowS);
    await waitUntil(async () => (await deliverJobsLeft(ctx.pool)) === 0, complete ? 15_000 : 0, 200);
    const { rows: deliveredRows } = await ctx.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM referrals WHERE id = ANY($1::uuid[]) AND status = 'delivered'",
      [backlogIds],
    );
    const backlogBreakdown = await breakdown(ctx.pool, backlogIds);
    const partnerStats = partner.stats();
    const workerLog = worker.output;
    await worker.stop();
    worker = undefined;

    // Baseline: graphile-worker alone.
    log(
      `referral-delivery baseline: bare graphile-worker, concurrency ${REFERRALS.workerConcurrency}, add_job → empty task, ${REFERRALS.ratePerSecond}/s for ${REFERRALS.baselineSeconds} s; then a backlog of ${REFERRALS.backlog}`,
    );
    const base = await bareGraphileWorker(ctx);

    const lat = percentiles(fromCreated);
    const send = percentiles(fromSend);
    const answer = percentiles(fromAnswer);
    const post = percentiles(load.postLatencies);
    const p99Ratio = ratio(lat.p99_ms, base.latency.p99_ms);
    return {
      name: 'referral-delivery',
      referrals_per_s: REFERRALS.ratePerSecond,
      seconds: REFERRALS.seconds,
      referrals: load.measured.length,
      p50_ms: lat.p50_ms,
      p95_ms: lat.p95_ms,
      p99_ms: lat.p99_ms,
      max_ms: lat.max_ms,
      latency_from: "the referral's created_at (start of its committing transaction, PostgreSQL clock)",
      from_answer_p50_ms: answer.p50_ms,
      from_answer_p99_ms: answer.p99_ms,
      from_send_p50_ms: send.p50_ms,
      from_send_p99_ms: send.p99_ms,
      missing,
      all_arrived: allArrived,
      post_p50_ms: post.p50_ms,
      post_p99_ms: post.p99_ms,
      post_errors: Object.fromEntries(load.errors),
      queue_wait_p50_ms: steady.wait.p50_ms,
      queue_wait_p99_ms: steady.wait.p99_ms,
      delivery_work_p50_ms: steady.work.p50_ms,
      delivery_work_p99_ms: steady.work.p99_ms,
      backlog: REFERRALS.backlog,
      backlog_insert_ms: Math.round(insertMs),
      backlog_committed_by:
        'SQL: referral rows, their queued events and graphile_worker.add_job in one transaction',
      throughput_per_s: throughput,
      throughput_arrived: arrived,
      throughput_seconds: Math.round(windowS * 10) / 10,
      throughput_complete: complete,
      throughput_delivered_in_db: deliveredRows[0]?.n ?? 0,
      throughput_delivery_work_p50_ms: backlogBreakdown.work.p50_ms,
      throughput_delivery_work_p99_ms: backlogBreakdown.work.p99_ms,
      partner_calls: partnerStats.calls,
      partner_repeats: partnerStats.calls - partner.received.size,
      partner_bad_signatures: partnerStats.badSignatures,
      worker_concurrency: REFERRALS.workerConcurrency,
      worker_poll_interval_ms: REFERRALS.workerPollIntervalMs,
      worker_log_lines: workerLog.length,
      worker_log_sample: workerLog.slice(0, 3).map((l) => l.slice(0, 300)),
      baseline: `bare graphile-worker in-process, concurrency ${REFERRALS.workerConcurrency}, poll ${REFERRALS.workerPollIntervalMs} ms: SQL add_job → start of an empty task, same rate`,
      baseline_p50_ms: base.latency.p50_ms,
      baseline_p95_ms: base.latency.p95_ms,
      baseline_p99_ms: base.latency.p99_ms,
      baseline_samples: base.latency.count,
      baseline_missing: base.missing,
      baseline_jobs_per_s: base.drainPerSecond,
      baseline_drained: base.drained,
      ratio: p99Ratio,
      target: 'p99_ms <= 100, ratio <= 2, throughput_per_s >= 500',
      meets_target: lat.p99_ms <= 100 && p99Ratio !== null && p99Ratio <= 2 && throughput >= 500,
    };
  } finally {
    agent.destroy();
    await worker?.stop();
    await partner.close();
  }
}
