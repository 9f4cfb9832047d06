import { createHmac } from 'node:crypto';
import http from 'node:http';
import { kyrgyzMobile } from '@korgon/dev/simulator/callers';
import { createRandom, type Random } from '@korgon/dev/simulator/random';
import { MAX_EVENTS_PER_POST, type TelephonyEvent, type TelephonyResult } from '@korgon/domain';
import pg from 'pg';
import { type BenchContext, type BenchResult, postSigned } from './lib/context';
import { sampleLockWaits } from './lib/lock-sampler';
import { log } from './lib/services';
import { now, percentiles, ratio } from './lib/util';

/**
 * ingest-throughput: signed batches of 500 events posted back to back by a few posters for ~15 s. Each batch
 * offers new calls, answers or abandons calls offered earlier, and ends calls answered earlier, so most events
 * change a call that exists. Baseline: the same rows through a bare parameterised multi-row INSERT into a
 * table like call_events, with the same number of concurrent writers.
 */
export const INGEST = { posters: 3, seconds: 15, baselineMaxBatches: 600 };

function batches(rng: Random, prefix: string) {
  let seq = 0;
  const waiting: string[] = [];
  const answered: string[] = [];
  const numbers = Array.from({ length: 2000 }, () => kyrgyzMobile(rng));
  return (): TelephonyEvent[] => {
    const t = Date.now();
    const at = (ago: number) => new Date(t - ago).toISOString();
    const out: TelephonyEvent[] = [];
    const ev = (
      callId: string,
      type: TelephonyEvent['type'],
      ago: number,
      extra: Partial<TelephonyEvent> = {},
    ) => out.push({ eventId: `${callId}:${type}`, callId, type, at: at(ago), line: '5200', ...extra });
    for (const id of answered.splice(0, 140)) ev(id, 'call.ended', 0);
    const nowAnswered = waiting.splice(0, 140);
    for (const id of nowAnswered)
      ev(id, 'call.answered', 30_000, { extension: rng.pick(['101', '102', '103', '104']) });
    answered.push(...nowAnswered);
    for (const id of waiting.splice(0, 40)) ev(id, 'call.abandoned', 20_000);
    while (out.length < MAX_EVENTS_PER_POST) {
      const id = `${prefix}-${String(++seq).padStart(6, '0')}`;
      ev(id, 'call.offered', 60_000, rng.chance(0.95) ? { callerNumber: rng.pick(numbers) } : {});
      waiting.push(id);
    }
    return out;
  };
}

export async function ingestThroughput(ctx: BenchContext): Promise<BenchResult> {
  log(`ingest-throughput: ${INGEST.posters} posters, batches of ${MAX_EVENTS_PER_POST}, ${INGEST.seconds} s`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: INGEST.posters });
  const latencies: number[] = [];
  let stored = 0;
  let received = 0;
  let errors = 0;
  let batchCount = 0;
  const sampler = sampleLockWaits(ctx.databaseUrl);
  const start = now();
  const end = start + INGEST.seconds * 1000;
  await Promise.all(
    Array.from({ length: INGEST.posters }, async (_, p) => {
      const next = batches(createRandom(`ingest-${p}`), `bench-ingest-${p}`);
      while (now() < end) {
        const batch = next();
        const t0 = now();
        const res = await postSigned(ctx, batch, agent).catch((err: Error) => ({
          status: 0,
          body: err.message,
        }));
        latencies.push(now() - t0);
        batchCount++;
        if (res.status !== 200) {
          errors++;
          if (errors <= 3) log(`  batch answered ${res.status}: ${res.body.slice(0, 200)}`);
          continue;
        }
        const r = JSON.parse(res.body) as TelephonyResult;
        stored += r.stored;
        received += r.received;
      }
    }),
  );
  const elapsed = (now() - start) / 1000;
  agent.destroy();
  const locks = await sampler.stop();
  const perSecond = stored / elapsed;

  log('ingest-throughput baseline: the same rows, bare multi-row INSERT through pg');
  await ctx.pool.query(`CREATE TABLE bench_call_events (
    event_id text PRIMARY KEY, call_id text NOT NULL, type text NOT NULL, at timestamptz NOT NULL,
    extension text, caller_hash text, received_at timestamptz NOT NULL DEFAULT now())`);
  const cols = 6;
  const sql = `INSERT INTO bench_call_events (event_id, call_id, type, at, extension, caller_hash) VALUES ${Array.from(
    { length: MAX_EVENTS_PER_POST },
    (_, r) => `(${Array.from({ length: cols }, (_, c) => `$${r * cols + c + 1}`).join(', ')})`,
  ).join(', ')} ON CONFLICT (event_id) DO NOTHING`;
  const hash = (n: string) =>
    createHmac('sha256', ctx.secrets.CALLER_HMAC_KEY).update(`caller:${n}`).digest('hex');
  const baseLatencies: number[] = [];
  let baseRows = 0;
  let baseBatches = 0;
  const bStart = now();
  const bEnd = bStart + INGEST.seconds * 1000;
  await Promise.all(
    Array.from({ length: INGEST.posters }, async (_, p) => {
      const client = new pg.Client({ connectionString: ctx.databaseUrl });
      client.on('error', () => undefined);
      await client.connect();
      try {
        const next = batches(createRandom(`ingest-${p}`), `bench-ingest-${p}`);
        while (now() < bEnd && baseBatches < INGEST.baselineMaxBatches) {
          baseBatches++;
          const batch = next();
          const t0 = now();
          const params = batch.flatMap((e) => [
            e.eventId,
            e.callId,
            e.type,
            e.at,
            e.extension ?? null,
            e.callerNumber ? hash(e.callerNumber) : null,
          ]);
          const r = await client.query(sql, params);
          baseLatencies.push(now() - t0);
          baseRows += r.rowCount ?? 0;
        }
      } finally {
        await client.end();
      }
    }),
  );
  const bElapsed = (now() - bStart) / 1000;
  const basePerSecond = baseRows / bElapsed;
  const lat = percentiles(latencies);
  const bLat = percentiles(baseLatencies);
  return {
    name: 'ingest-throughput',
    posters: INGEST.posters,
    batch_size: MAX_EVENTS_PER_POST,
    seconds: Math.round(elapsed * 10) / 10,
    batches: batchCount,
    events_received: received,
    events_stored: stored,
    events_per_s: Math.round(perSecond),
    errors,
    p50_ms: lat.p50_ms,
    p95_ms: lat.p95_ms,
    p99_ms: lat.p99_ms,
    ...locks,
    baseline: 'bare multi-row INSERT ... ON CONFLICT DO NOTHING of the same rows, same concurrency',
    baseline_events_per_s: Math.round(basePerSecond),
    baseline_rows: baseRows,
    baseline_seconds: Math.round(bElapsed * 10) / 10,
    baseline_p50_ms: bLat.p50_ms,
    baseline_p99_ms: bLat.p99_ms,
    ratio: ratio(basePerSecond, perSecond),
    ratio_meaning: 'baseline events/s ÷ server events/s (how many times slower than a bare insert)',
  };
}
