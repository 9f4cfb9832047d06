import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { freePort } from '@korgon/dev/postgres';
import { kyrgyzMobile } from '@korgon/dev/simulator/callers';
import { createRandom, type Random } from '@korgon/dev/simulator/random';
import type { CallEventType, TelephonyEvent } from '@korgon/domain';
import { type BenchContext, type BenchResult, postSigned, signIn } from './lib/context';
import { sampleLockWaits } from './lib/lock-sampler';
import { forkScript, log } from './lib/services';
import { type HttpResult, now, percentiles, ratio, request, sleep } from './lib/util';

/**
 * live-push: 300 consoles connected (another process), 50 signed events a second for 30 s; per console, the
 * time from just before a POST is sent to the receipt of the queue:change it causes. Baseline: a bare
 * Socket.IO server broadcasting the same kind of payload to the same 300 clients at the same rate.
 */
export const LIVE = {
  consoles: Number(process.env.BENCH_LIVE_CONSOLES ?? 300),
  ratePerSecond: Number(process.env.BENCH_LIVE_RATE ?? 50),
  seconds: Number(process.env.BENCH_LIVE_SECONDS ?? 30),
  warmupSeconds: 2,
};

interface Step {
  externalId: string;
  type: CallEventType;
  state: 'waiting' | 'answered' | 'ended' | 'abandoned';
  extension?: string;
  callerNumber?: string;
}

/** New calls and state changes of calls already on the line, one at a time. */
function callFlow(rng: Random, prefix: string) {
  let seq = 0;
  const active: { id: string; state: 'waiting' | 'answered'; busy: boolean }[] = [];
  const numbers = Array.from({ length: 300 }, () => kyrgyzMobile(rng));
  return {
    next(): { step: Step; done: () => void } {
      const ready = active.filter((c) => !c.busy);
      if (active.length < 8 || ready.length === 0 || rng.chance(0.34)) {
        const call = {
          id: `${prefix}-${String(++seq).padStart(5, '0')}`,
          state: 'waiting' as const,
          busy: true,
        };
        active.push(call);
        return {
          step: {
            externalId: call.id,
            type: 'call.offered',
            state: 'waiting',
            callerNumber: rng.pick(numbers),
          },
          done: () => {
            call.busy = false;
          },
        };
      }
      const call = rng.pick(ready);
      call.busy = true;
      const leave = () => active.splice(active.indexOf(call), 1);
      if (call.state === 'answered') {
        leave();
        return { step: { externalId: call.id, type: 'call.ended', state: 'ended' }, done: () => undefined };
      }
      if (rng.chance(0.15)) {
        leave();
        return {
          step: { externalId: call.id, type: 'call.abandoned', state: 'abandoned' },
          done: () => undefined,
        };
      }
      call.state = 'answered';
      return {
        step: {
          externalId: call.id,
          type: 'call.answered',
          state: 'answered',
          extension: rng.pick(['101', '102', '103', '104', '105']),
        },
        done: () => {
          call.busy = false;
        },
      };
    },
  };
}

interface LoadOutcome {
  /** "externalId|state" → send time, measured events only. */
  sendTimes: Map<string, number>;
  postLatencies: number[];
  errors: number;
  sent: number;
}

/** Open loop: event i goes out at start + i/rate, whether or not earlier answers came back. */
async function drive(send: (step: Step) => Promise<HttpResult>, seed: string, prefix: string) {
  const flow = callFlow(createRandom(seed), prefix);
  const out: LoadOutcome = { sendTimes: new Map(), postLatencies: [], errors: 0, sent: 0 };
  const total = (LIVE.seconds + LIVE.warmupSeconds) * LIVE.ratePerSecond;
  const warmup = LIVE.warmupSeconds * LIVE.ratePerSecond;
  const start = now() + 100;
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / LIVE.ratePerSecond;
    const wait = due - now();
    if (wait > 1) await sleep(wait);
    const { step, done } = flow.next();
    const key = `${step.externalId}|${step.state}`;
    const t0 = now();
    if (i >= warmup) out.sendTimes.set(key, t0);
    out.sent++;
    inFlight.push(
      send(step).then(
        (res) => {
          if (res.status >= 300) out.errors++;
          out.postLatencies.push(now() - t0);
          done();
        },
        () => {
          out.errors++;
          done();
        },
      ),
    );
  }
  await Promise.all(inFlight);
  return out;
}

async function measureConsoles(
  url: string,
  origin: string,
  cookies: string[],
  load: () => Promise<{ sendTimes: [string, number][]; out: LoadOutcome }>,
) {
  const consoles = forkScript('tests/bench/consoles.ts', [
    JSON.stringify({ url, origin, cookies, count: LIVE.consoles }),
  ]);
  try {
    const ready = await consoles.next('ready', 120_000);
    log(
      `  ${String(ready.connected)}/${LIVE.consoles} consoles connected in ${Math.round(Number(ready.connect_ms))} ms`,
    );
    if (ready.connected !== LIVE.consoles) {
      throw new Error(`only ${String(ready.connected)} consoles connected: ${JSON.stringify(ready.errors)}`);
    }
    await sleep(1000);
    const { sendTimes, out } = await load();
    await sleep(2000); // the last pushes
    consoles.send({ type: 'report', sendTimes });
    const report = await consoles.next('report', 60_000);
    consoles.send({ type: 'close' });
    return { report, out };
  } finally {
    await consoles.stop();
  }
}

export async function livePush(ctx: BenchContext): Promise<BenchResult> {
  // A few operator sessions shared by the consoles, as a shift's browsers would be.
  const cookies = await Promise.all(
    ['operator1', 'operator2', 'operator3', 'supervisor'].map((u) => signIn(ctx, u)),
  );

  log(
    `live-push: ${LIVE.consoles} consoles on the real server, ${LIVE.ratePerSecond} events/s for ${LIVE.seconds} s`,
  );
  let locks: Awaited<ReturnType<ReturnType<typeof sampleLockWaits>['stop']>> | undefined;
  const live = await measureConsoles(ctx.server.url, ctx.server.origin, cookies, async () => {
    const sampler = sampleLockWaits(ctx.databaseUrl);
    const out = await drive(
      (s) => {
        const event: TelephonyEvent = {
          eventId: `${s.externalId}:${s.type}`,
          callId: s.externalId,
          type: s.type,
          at: new Date().toISOString(),
          line: '5200',
          ...(s.callerNumber && { callerNumber: s.callerNumber }),
          ...(s.extension && { extension: s.extension }),
        };
        return postSigned(ctx, event);
      },
      'live-push',
      'bench-live',
    );
    locks = await sampler.stop();
    // Consoles see the server's call ids; the PBX's ids map onto them.
    const { rows } = await ctx.pool.query<{ id: string; external_id: string }>(
      "SELECT id, external_id FROM calls WHERE external_id LIKE 'bench-live-%'",
    );
    const idOf = new Map(rows.map((r) => [r.external_id, r.id]));
    const sendTimes: [string, number][] = [];
    for (const [key, t] of out.sendTimes) {
      const [ext, state] = key.split('|');
      const id = idOf.get(ext ?? '');
      if (id) sendTimes.push([`${id}|${state}`, t]);
    }
    return { sendTimes, out };
  });

  log('live-push baseline: a bare Socket.IO server, same clients, same rate');
  const port = await freePort();
  const bare = forkScript('tests/bench/bare-server.ts', [String(port)]);
  let base: Awaited<ReturnType<typeof measureConsoles>>;
  try {
    await bare.next('ready', 30_000);
    const bareUrl = `http://127.0.0.1:${port}`;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
    const ids = new Map<string, string>();
    let version = 0;
    base = await measureConsoles(bareUrl, bareUrl, [], async () => {
      const out = await drive(
        (s) => {
          const id = ids.get(s.externalId) ?? randomUUID();
          ids.set(s.externalId, id);
          const at = new Date().toISOString();
          // The shape and size of the real server's QueueChange for a call.
          const change = {
            version: ++version,
            kind: 'call',
            call: {
              id,
              line: '5200',
              state: s.state,
              offeredAt: at,
              answeredAt: s.state === 'answered' || s.state === 'ended' ? at : null,
              endedAt: s.state === 'ended' || s.state === 'abandoned' ? at : null,
              shortAbandoned: false,
              repeatContacts: 0,
              takenBy: s.extension ? { id: randomUUID(), displayName: 'Елена Смирнова' } : null,
              takenAt: null,
              consultationId: null,
            },
          };
          return request(`${bareUrl}/emit`, {
            method: 'POST',
            agent,
            body: JSON.stringify(change),
            headers: { 'content-type': 'application/json' },
          });
        },
        'live-push',
        'bench-bare',
      );
      const sendTimes: [string, number][] = [];
      for (const [key, t] of out.sendTimes) {
        const [ext, state] = key.split('|');
        sendTimes.push([`${ids.get(ext ?? '')}|${state}`, t]);
      }
      return { sendTimes, out };
    });
    agent.destroy();
  } finally {
    await bare.stop();
  }

  const r = live.report;
  const b = base.report;
  const post = percentiles(live.out.postLatencies);
  const p99 = Number(r.p99_ms);
  const liveRatio = ratio(p99, Number(b.p99_ms));
  return {
    name: 'live-push',
    consoles: LIVE.consoles,
    events_per_s: LIVE.ratePerSecond,
    seconds: LIVE.seconds,
    events: live.out.sendTimes.size,
    samples: r.count,
    p50_ms: r.p50_ms,
    p95_ms: r.p95_ms,
    p99_ms: r.p99_ms,
    max_ms: r.max_ms,
    missing: r.missing,
    disconnects: r.disconnects,
    post_p50_ms: post.p50_ms,
    post_p99_ms: post.p99_ms,
    post_errors: live.out.errors,
    ...locks,
    baseline: 'bare socket.io server, no DB, same 300 clients, same rate',
    baseline_p50_ms: b.p50_ms,
    baseline_p95_ms: b.p95_ms,
    baseline_p99_ms: b.p99_ms,
    baseline_missing: b.missing,
    ratio: liveRatio,
    target: 'p99_ms <= 100, ratio <= 2',
    meets_target: p99 <= 100 && liveRatio !== null && liveRatio <= 2,
  };
}
