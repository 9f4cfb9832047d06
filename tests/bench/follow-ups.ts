import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { followUpRaiseJob, type JobRequest } from '@korgon/domain';
import { JobQueues, redisConnection } from '@korgon/jobs';
import { Queue, Worker } from 'bullmq';
import { Server } from 'socket.io';
import { io, type Socket } from 'socket.io-client';
import { type BenchContext, type BenchResult, signIn } from './lib/context';
import { log } from './lib/services';
import { now, percentiles, ratio, sleep } from './lib/util';
import { startWorkerProcess } from './lib/worker';

/**
 * follow-up-raised: from a follow-up's due time to the `follow-up:raised` push on its assignee's desk (a socket
 * of her session on the real server), through the real worker (its own production process): the delayed
 * BullMQ job fires, the worker marks it raised (audited) and emits through the servers' Redis adapter.
 *
 * 10,000 follow-ups are pending meanwhile (rows committed by SQL, their delayed jobs added with
 * `JobQueues.add(followUpRaiseJob(…))` as the server does after a finalize), due over the next 30 days. The
 * measured ones, assigned to one bench operator, fall due one every 1000/rate ms over the measured seconds.
 *
 * Baseline, same run: a bare BullMQ delayed job (a Queue and a Worker in this process, same Redis) whose
 * processor emits on a bare Socket.IO server in this process to one client, at the same due times.
 */
export const FOLLOW_UPS = {
  pending: Number(process.env.BENCH_FOLLOW_UP_PENDING ?? 10_000),
  measured: Number(process.env.BENCH_FOLLOW_UP_MEASURED ?? 200),
  ratePerSecond: Number(process.env.BENCH_FOLLOW_UP_RATE ?? 10),
  /** The first measured one is due this long after its job is added. */
  leadMs: 3000,
};

const waitFor = async (done: () => boolean, timeoutMs: number) => {
  const until = Date.now() + timeoutMs;
  while (!done() && Date.now() < until) await sleep(50);
};

async function insertFollowUps(
  ctx: BenchContext,
  consultationId: string,
  operatorId: string,
  raiseAts: Date[],
  assigneeId: string | null,
): Promise<{ id: string; raise_at: Date }[]> {
  const { rows } = await ctx.pool.query<{ id: string; raise_at: Date }>(
    `INSERT INTO follow_ups (consultation_id, kind, source, due_at, raise_at, assignee_id, created_by)
     SELECT $1, 'callback', 'bench-' || gen_random_uuid(), t, t, $3, $4 FROM unnest($2::timestamptz[]) AS t
     RETURNING id, raise_at`,
    [consultationId, raiseAts, assigneeId, operatorId],
  );
  return rows;
}

async function addJobs(jobs: JobQueues, rows: { id: string; raise_at: Date }[]) {
  for (let i = 0; i < rows.length; i += 1000)
    await jobs.add(rows.slice(i, i + 1000).map((r): JobRequest => followUpRaiseJob(r.id, r.raise_at)));
}

async function measureKorgon(ctx: BenchContext, jobs: JobQueues) {
  const username = ctx.benchOperators[0] ?? 'operator1';
  const { rows: users } = await ctx.pool.query<{ id: string }>('SELECT id FROM users WHERE username = $1', [
    username,
  ]);
  const operatorId = users[0]?.id as string;
  const consultationId = crypto.randomUUID();
  await ctx.pool.query(
    `INSERT INTO consultations (id, channel, operator_id, taxonomy_version, status, finalized_at)
     VALUES ($1, 'call', $2, (SELECT version FROM taxonomy_versions WHERE active LIMIT 1), 'final', now())`,
    [consultationId, operatorId],
  );

  // 10,000 pending, due over the next 30 days (the shift's), with their delayed jobs.
  const t0 = Date.now();
  const later = Array.from(
    { length: FOLLOW_UPS.pending },
    (_, i) => new Date(Date.now() + 3_600_000 + (i * 30 * 86_400_000) / FOLLOW_UPS.pending),
  );
  const pendingRows = await insertFollowUps(ctx, consultationId, operatorId, later, null);
  await addJobs(jobs, pendingRows);
  const setupMs = Date.now() - t0;
  log(`follow-ups: ${pendingRows.length} pending follow-ups and their delayed jobs in ${setupMs} ms`);

  const cookie = await signIn(ctx, username);
  const socket: Socket = io(ctx.server.url, {
    path: '/socket.io',
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    extraHeaders: { origin: ctx.server.origin, cookie },
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  const received = new Map<string, number>();
  socket.on('follow-up:raised', (f: { id: string }) => {
    if (!received.has(f.id)) received.set(f.id, now());
  });

  const start = Date.now() + FOLLOW_UPS.leadMs;
  const due = Array.from(
    { length: FOLLOW_UPS.measured },
    (_, i) => new Date(start + (i * 1000) / FOLLOW_UPS.ratePerSecond),
  );
  const measured = await insertFollowUps(ctx, consultationId, operatorId, due, operatorId);
  await addJobs(jobs, measured);
  const last = due.at(-1)?.getTime() ?? start;
  await waitFor(() => received.size >= measured.length, last - Date.now() + 15_000);
  socket.disconnect();
  const latencies = measured.flatMap((r) => {
    const at = received.get(r.id);
    return at === undefined ? [] : [at - r.raise_at.getTime()];
  });
  const { rows: pending } = await ctx.pool.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM follow_ups WHERE state = 'due' AND raised_at IS NULL",
  );
  return {
    lat: percentiles(latencies),
    missing: measured.length - latencies.length,
    pendingDuring: pending[0]?.n ?? 0,
    setupMs,
  };
}

/** A bare delayed BullMQ job whose processor emits on a bare Socket.IO server: the floor under the path above. */
async function measureBare(ctx: BenchContext) {
  const prefix = `${ctx.redis.prefix}:bare-follow-ups`;
  const httpServer = http.createServer();
  const ioServer = new Server(httpServer, { transports: ['websocket'] });
  await new Promise<void>((r) => httpServer.listen(0, '127.0.0.1', () => r()));
  const { port } = httpServer.address() as AddressInfo;
  const client: Socket = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('connect_error', reject);
  });
  const received = new Map<string, number>();
  client.on('raised', (e: { id: string }) => {
    if (!received.has(e.id)) received.set(e.id, now());
  });
  const queue = new Queue('bench-follow-up', {
    connection: redisConnection(ctx.redis.url, { name: 'korgon-bench-bare-fu-queue' }),
    prefix,
  });
  const worker = new Worker(
    'bench-follow-up',
    async (job) => {
      ioServer.emit('raised', { id: job.data.id });
    },
    {
      connection: redisConnection(ctx.redis.url, { name: 'korgon-bench-bare-fu-worker' }),
      prefix,
      concurrency: 5,
    },
  );
  await worker.waitUntilReady();
  try {
    const start = Date.now() + FOLLOW_UPS.leadMs;
    const dues = Array.from({ length: FOLLOW_UPS.measured }, (_, i) => ({
      id: crypto.randomUUID(),
      at: start + (i * 1000) / FOLLOW_UPS.ratePerSecond,
    }));
    await queue.addBulk(
      dues.map((d) => ({
        name: 'raise',
        data: { id: d.id },
        opts: { jobId: `bare-${d.id}`, delay: d.at - Date.now(), removeOnComplete: true, attempts: 5 },
      })),
    );
    await waitFor(() => received.size >= dues.length, (dues.at(-1)?.at ?? start) - Date.now() + 15_000);
    const latencies = dues.flatMap((d) => {
      const at = received.get(d.id);
      return at === undefined ? [] : [at - d.at];
    });
    return { lat: percentiles(latencies), missing: dues.length - latencies.length };
  } finally {
    client.disconnect();
    await worker.close();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    ioServer.close();
    await new Promise((r) => httpServer.close(r));
  }
}

export async function followUpRaised(ctx: BenchContext): Promise<BenchResult> {
  const jobs = new JobQueues({
    url: ctx.redis.url,
    prefix: ctx.redis.prefix,
    name: 'korgon-bench-follow-ups',
  });
  const worker = await startWorkerProcess(ctx.databaseUrl, ctx.redis, ctx.server.url, ctx.secrets, ctx.pool);
  try {
    log('follow-up-raised: baseline (bare BullMQ delayed job → bare Socket.IO emit)');
    const bare = await measureBare(ctx);
    log('follow-up-raised: Korgon (due → worker → Redis adapter → the assignee’s desk)');
    const korgon = await measureKorgon(ctx, jobs);
    const result: BenchResult = {
      name: 'follow-up-raised',
      pending: korgon.pendingDuring,
      measured: FOLLOW_UPS.measured,
      rate_per_s: FOLLOW_UPS.ratePerSecond,
      ...korgon.lat,
      missing: korgon.missing,
      setup_ms: korgon.setupMs,
      baseline_p50_ms: bare.lat.p50_ms,
      baseline_p95_ms: bare.lat.p95_ms,
      baseline_p99_ms: bare.lat.p99_ms,
      baseline_missing: bare.missing,
      ratio: ratio(korgon.lat.p99_ms, bare.lat.p99_ms),
      target: 'p99 ≤ 1000 ms with 10,000 pending',
      meets_target: korgon.lat.p99_ms <= 1000 && korgon.missing === 0,
    };
    return result;
  } finally {
    await worker.stop();
    await jobs.close();
  }
}
