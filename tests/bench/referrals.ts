import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { deliveryJob } from '@korgon/domain';
import { JobQueues, redisConnection } from '@korgon/jobs';
import { verify } from '@korgon/signing';
import { type Job, type JobsOptions, Queue, Worker } from 'bullmq';
import pg from 'pg';
import { type BenchContext, type BenchResult, signIn } from './lib/context';
import { log } from './lib/services';
import { now, percentiles, ratio, request, sleep } from './lib/util';
import { startWorkerProcess } from './lib/worker';

/**
 * referral-delivery: the real server and the real worker (both their own production processes) and a partner's
 * webhook (an HTTP server in this process that checks each signature and notes when each Idempotency-Key first
 * arrived).
 *
 * 1. Latency: operators POST /api/referrals at 50/s for 30 s (a 2 s warm-up is not counted); per referral the
 *    time from its commit to its receipt by the partner. The commit lies between the referral's created_at
 *    (PostgreSQL's now(), the start of its transaction: `p*_ms` measure from there, an upper bound) and the
 *    POST's answer (`from_answer_*`, a lower bound).
 * 2. Throughput: a backlog of 5,000 referrals committed at once by SQL (rows and their "queued" events in one
 *    transaction, as the server writes them), then their delivery jobs added to BullMQ with `JobQueues.add`
 *    (what the server does after its commit); referrals/s received, from the start of the add.
 *
 * Baseline, same run: BullMQ alone on the same Redis, a Queue and a Worker in this process with the worker's
 * concurrency and job options: add → start of an empty job, at the same rate; and how fast it drains an equal
 * backlog of empty jobs.
 */
export const REFERRALS = {
  ratePerSecond: Number(process.env.BENCH_REFERRAL_RATE ?? 50),
  seconds: Number(process.env.BENCH_REFERRAL_SECONDS ?? 30),
  warmupSeconds: 2,
  baselineSeconds: Number(process.env.BENCH_REFERRAL_BASELINE_SECONDS ?? 15),
  backlog: Number(process.env.BENCH_REFERRAL_BACKLOG ?? 5000),
  backlogMaxSeconds: 60,
  /** The bench's worker's WORKER_CONCURRENCY (production's default: 10); the baseline uses the same. */
  workerConcurrency: Number(process.env.BENCH_WORKER_CONCURRENCY ?? 10),
  /** As the server adds a referral's job (REFERRAL_MAX_ATTEMPTS, default 6): standard urgency. */
  maxAttempts: 6,
  /** The worker's defaults (apps/worker/src/worker.ts, JOB_BACKOFF_MS): the baseline's Worker and jobs. */
  lockDurationMs: 15_000,
  backoffMs: 2000,
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

/** Jobs of the referrals queue not finished yet (waiting, prioritised, running or waiting for a retry). */
async function deliverJobsLeft(jobs: JobQueues): Promise<number> {
  const { referrals } = await jobs.counts();
  return referrals.waiting + referrals.active + referrals.delayed;
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

/**
 * BullMQ alone on the run's Redis (keys under `<prefix>:bare`): a Queue and a Worker in this process, the
 * Worker with the real worker's concurrency and lock settings, each job with the options the server gives a
 * delivery job (deterministic id, priority 10, attempts with exponential backoff, removed when complete).
 * Latency: add at the same rate → start of an empty job; then how fast it drains an equal backlog added at
 * once (`addBulk`, as `JobQueues.add` does).
 */
async function bareBullMQ(ctx: BenchContext) {
  const prefix = `${ctx.redis.prefix}:bare`;
  const queueConnection = redisConnection(ctx.redis.url, { name: 'korgon-bench-bare-queue' });
  const workerConnection = redisConnection(ctx.redis.url, { name: 'korgon-bench-bare-worker' });
  queueConnection.on('error', (err) => log(`baseline Redis: ${err.message}`));
  workerConnection.on('error', (err) => log(`baseline Redis: ${err.message}`));
  const queue = new Queue('bench-noop', { connection: queueConnection, prefix });
  const starts = new Map<number, number>();
  const worker = new Worker(
    'bench-noop',
    async (job: Job<{ i: number }>) => {
      const t = now();
      if (!starts.has(job.data.i)) starts.set(job.data.i, t);
    },
    {
      connection: workerConnection,
      prefix,
      concurrency: REFERRALS.workerConcurrency,
      lockDuration: REFERRALS.lockDurationMs,
      stalledInterval: Math.round(REFERRALS.lockDurationMs / 2),
      maxStalledCount: 5,
    },
  );
  worker.on('error', (err) => log(`baseline worker: ${err.message}`));
  const options = (i: number): JobsOptions => ({
    jobId: `noop-${i}`,
    priority: 10,
    attempts: REFERRALS.maxAttempts,
    backoff: { type: 'exponential', delay: REFERRALS.backoffMs },
    removeOnComplete: { age: 3600, count: 1000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  });
  try {
    await Promise.all([queue.waitUntilReady(), worker.waitUntilReady()]);
    // Latency at the same rate, one add per job as the server adds a referral's job after its commit.
    const total = REFERRALS.baselineSeconds * REFERRALS.ratePerSecond;
    const warmup = REFERRALS.warmupSeconds * REFERRALS.ratePerSecond;
    const added = new Map<number, number>();
    const start = now() + 100;
    const inFlight: Promise<unknown>[] = [];
    let addErrors = 0;
    for (let i = 0; i < total + warmup; i++) {
      const due = start + (i * 1000) / REFERRALS.ratePerSecond;
      const wait = due - now();
      if (wait > 1) await sleep(wait);
      const t0 = now();
      if (i >= warmup) added.set(i, t0);
      inFlight.push(
        queue.add('noop', { i }, options(i)).catch(() => {
          addErrors++;
        }),
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

    // Drain: an equal backlog of empty jobs added at once.
    const offset = 1_000_000;
    const t0 = now();
    await queue.addBulk(
      Array.from({ length: REFERRALS.backlog }, (_, k) => ({
        name: 'noop',
        data: { i: offset + k },
        opts: options(offset + k),
      })),
    );
    const addMs = now() - t0;
    const drained = await waitUntil(() => {
      let n = 0;
      for (const i of starts.keys()) if (i >= offset) n++;
      return n >= REFERRALS.backlog;
    }, REFERRALS.backlogMaxSeconds * 1000);
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
      addErrors,
      addMs,
      drainPerSecond: last > t0 ? Math.round(n / ((last - t0) / 1000)) : null,
      drained,
    };
  } finally {
    await worker.close().catch(() => undefined);
    await queue.close().catch(() => undefined);
    queueConnection.disconnect();
    workerConnection.disconnect();
  }
}

export async function referralDelivery(ctx: BenchContext): Promise<BenchResult> {
  let secret = '';
  const partner: Partner = await startPartner(() => secret);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  // The producer side, on the queues the server and the worker use (the run's REDIS_PREFIX).
  const jobs = new JobQueues({ url: ctx.redis.url, prefix: ctx.redis.prefix, name: 'korgon-bench-jobs' });
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

    worker = await startWorkerProcess(ctx.databaseUrl, ctx.redis, ctx.server.url, ctx.secrets, ctx.pool, {
      WEBHOOK_TIMEOUT_MS: '5000',
      WORKER_CONCURRENCY: String(REFERRALS.workerConcurrency),
      JOB_BACKOFF_MS: String(REFERRALS.backoffMs),
    });

    // 1. Latency at a steady rate.
    log(
      `referral-delivery: ${REFERRALS.ratePerSecond} referrals/s for ${REFERRALS.seconds} s through the real server, worker (concurrency ${REFERRALS.workerConcurrency}) and a webhook`,
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
    await waitUntil(async () => (await deliverJobsLeft(jobs)) === 0, 20_000, 200);
    const steady = await breakdown(
      ctx.pool,
      load.measured.map((s) => s.id),
    );

    // 2. Throughput: a backlog committed at once, then its jobs added as the server adds them after a commit.
    log(
      `referral-delivery: a backlog of ${REFERRALS.backlog} referrals committed at once, then their jobs added to BullMQ`,
    );
    const op = operators[0] as (typeof operators)[number];
    const { rows: me } = await ctx.pool.query<{ id: string }>(
      "SELECT id FROM users WHERE username = 'operator1'",
    );
    const backlogIds = Array.from({ length: REFERRALS.backlog }, () => crypto.randomUUID());
    const client = new pg.Client({ connectionString: ctx.databaseUrl, application_name: 'korgon-bench' });
    await client.connect();
    const insertStart = now();
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
      await client.query('COMMIT');
    } finally {
      await client.end();
    }
    // From here on the clock runs: adding the jobs is part of the delivery, as it is after the server's commit.
    const committedAt = now();
    const insertMs = committedAt - insertStart;
    await jobs.add(backlogIds.map((id) => deliveryJob(id, 'standard', REFERRALS.maxAttempts)));
    const addMs = now() - committedAt;
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
    await waitUntil(async () => (await deliverJobsLeft(jobs)) === 0, complete ? 15_000 : 0, 200);
    const { rows: deliveredRows } = await ctx.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM referrals WHERE id = ANY($1::uuid[]) AND status = 'delivered'",
      [backlogIds],
    );
    const backlogBreakdown = await breakdown(ctx.pool, backlogIds);
    const partnerStats = partner.stats();
    const workerLog = worker.output;
    await worker.stop();
    worker = undefined;

    // Baseline: BullMQ alone.
    log(
      `referral-delivery baseline: bare BullMQ, concurrency ${REFERRALS.workerConcurrency}, add → empty job, ${REFERRALS.ratePerSecond}/s for ${REFERRALS.baselineSeconds} s; then a backlog of ${REFERRALS.backlog}`,
    );
    const base = await bareBullMQ(ctx);

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
      backlog_add_ms: Math.round(addMs),
      backlog_committed_by:
        'SQL: referral rows and their queued events in one transaction; then JobQueues.add(deliveryJob(…)) for all',
      throughput_from: 'the start of the jobs’ add (right after the commit) to the last arrival',
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
      worker_log_lines: workerLog.length,
      worker_log_sample: workerLog.slice(0, 3).map((l) => l.slice(0, 300)),
      baseline: `bare BullMQ in-process on the same Redis, Worker concurrency ${REFERRALS.workerConcurrency}: add → start of an empty job, same rate and job options`,
      baseline_p50_ms: base.latency.p50_ms,
      baseline_p95_ms: base.latency.p95_ms,
      baseline_p99_ms: base.latency.p99_ms,
      baseline_samples: base.latency.count,
      baseline_missing: base.missing,
      baseline_add_errors: base.addErrors,
      baseline_backlog_add_ms: Math.round(base.addMs),
      baseline_jobs_per_s: base.drainPerSecond,
      baseline_drained: base.drained,
      ratio: p99Ratio,
      target: 'p99_ms <= 100, ratio <= 2, throughput_per_s >= 500',
      meets_target: lat.p99_ms <= 100 && p99Ratio !== null && p99Ratio <= 2 && throughput >= 500,
    };
  } finally {
    agent.destroy();
    await worker?.stop();
    await jobs.close();
    await partner.close();
  }
}
