import { createCallerPool } from './callers';
import { createCallBook } from './calls';
import { createAgenda, createClock } from './clock';
import { createLogOnce, redactNumbers } from './log';
import { createPlanner, DEFAULT_PLAN } from './plan';
import { createPoster } from './post';
import { createRandom } from './random';
import {
  newCounters,
  type Outgoing,
  type Simulator,
  type SimulatorOptions,
  type SimulatorStats,
} from './types';

export { redactNumbers } from './log';
export type { Expected } from './plan';
export type { CallRecord, Simulator, SimulatorOptions, SimulatorStats } from './types';

/**
 * The PBX simulator: realistic traffic on the 5200 line, posted through the signed PBX contract
 * (POST /api/telephony/events, docs/telephony.md). Poisson arrivals, a first-come-first-served queue for the
 * operators' extensions, impatient callers (some hang up within seconds), log-normal talk times, transfers,
 * repeat callers from a small pool of Kyrgyz mobile numbers, and deliveries that arrive late or twice, as a
 * real PBX's webhooks do. Caller numbers are never logged.
 *
 *   const sim = createSimulator({ url, secret, extensions: ['101', '102', '103'] });
 *   sim.start();
 *   ...
 *   const stats = await sim.stop(); // hangs up the calls still on the line and sends what is left
 *
 * This module runs the clock (arrivals, ticks, start and stop); plan.ts and callers.ts model the line and its
 * callers, calls.ts follows each call's events, post.ts delivers them, clock.ts keeps the agendas.
 */
const DEFAULTS = {
  url: 'http://localhost:8080',
  rate: 6,
  line: '5200',
  extensions: ['101', '102', '103'] as readonly string[],
  transferTo: [] as readonly string[],
  speed: 1,
  callerPool: 1000,
  repeatShare: 0.25,
  hiddenShare: 0.04,
  reportEvery: 0,
  maxAttempts: 4,
  requestTimeoutMs: 10_000,
  keepCalls: 20_000,
  tickMs: 100,
};

export function createSimulator(options: SimulatorOptions): Simulator {
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const o = { ...DEFAULTS, ...(defined as SimulatorOptions) };
  if (!o.secret) throw new Error('the simulator needs the server’s TELEPHONY_SECRET');
  if (!(o.rate > 0)) throw new Error('rate must be a positive number of calls per minute');
  if (!(o.speed > 0)) throw new Error('speed must be positive');
  const endpoint = `${o.url.replace(/\/$/, '')}/api/telephony/events`;
  const seed = String(o.seed ?? Math.floor(Math.random() * 2 ** 32));
  const runId = o.runId ?? Date.now().toString(36);
  const log = o.log ?? ((line: string) => console.log(`[simulator] ${line}`));
  const logOnce = createLogOnce(log);

  const arrivalRng = createRandom(`${seed}:arrivals`);
  const callers = createCallerPool(createRandom(`${seed}:callers`), {
    size: o.callerPool,
    repeatShare: o.repeatShare,
    hiddenShare: o.hiddenShare,
  });
  const planner = createPlanner(createRandom(`${seed}:plan`), {
    ...DEFAULT_PLAN,
    runId,
    line: o.line,
    extensions: o.extensions,
    transferTo: o.transferTo,
    ...(o.callsPerExtension !== undefined && { callsPerExtension: o.callsPerExtension }),
    ...(o.talkSeconds !== undefined && { talkMedianMs: o.talkSeconds * 1000 }),
    ...(o.patienceSeconds !== undefined && { patienceMedianMs: o.patienceSeconds * 1000 }),
    ...(o.shortAbandonShare !== undefined && { shortAbandonShare: o.shortAbandonShare }),
    ...(o.transferShare !== undefined && { transferShare: o.transferShare }),
    ...(o.lateShare !== undefined && { lateShare: o.lateShare }),
    ...(o.duplicateShare !== undefined && { duplicateShare: o.duplicateShare }),
  });

  const counters = newCounters();
  const outbox: Outgoing[] = [];
  const agenda = createAgenda();
  const clock = createClock(o.speed);
  const book = createCallBook({ planner, agenda, counters, outbox, keepCalls: o.keepCalls });
  const poster = createPoster({
    endpoint,
    secret: o.secret,
    maxAttempts: o.maxAttempts,
    requestTimeoutMs: o.requestTimeoutMs,
    counters,
    outbox,
    book,
    logOnce,
  });

  let state: 'idle' | 'running' | 'stopping' | 'stopped' = 'idle';
  let nextArrival = 0;
  let endVirtual = Number.POSITIVE_INFINITY;
  let tickTimer: NodeJS.Timeout | undefined;
  let reportTimer: NodeJS.Timeout | undefined;
  let stopping: Promise<SimulatorStats> | null = null;
  let resolveDone: (s: SimulatorStats) => void = () => undefined;
  const done = new Promise<SimulatorStats>((r) => {
    resolveDone = r;
  });

  function tick() {
    try {
      const real = Date.now();
      const now = clock.now(real);
      if (state === 'running') {
        while (nextArrival <= now && nextArrival < endVirtual) {
          book.arrive(nextArrival, callers.next());
          nextArrival += arrivalRng.exponential(60_000 / o.rate);
        }
      }
      for (const s of agenda.due(now)) book.dispatch(s.call, s.pe, state === 'running');
      agenda.release(real);
      void poster.pump();
      if (state === 'running' && o.duration !== undefined && real - clock.realStart >= o.duration * 1000) {
        void stop();
      }
    } catch (err) {
      logOnce(`internal error (ignored): ${redactNumbers((err as Error).message)}`);
    }
  }

  function stats(): SimulatorStats {
    return {
      runId,
      seed,
      running: state === 'running',
      ...counters,
      eventIds: book.eventIds(),
      callRecords: book.records(),
    };
  }

  const summary = () => {
    const s = counters;
    return `${s.calls} calls, ${s.events} events sent (${s.lateSent} late, ${s.duplicatesSent} twice), ${s.requests} requests, ${s.retries} retries, ${s.failedRequests} failed`;
  };

  function start() {
    if (state !== 'idle') return;
    state = 'running';
    clock.start(o.duration !== undefined && o.speed > 1 ? o.duration * 1000 * (o.speed - 1) : 0);
    if (o.duration !== undefined) endVirtual = clock.virtualStart + o.duration * 1000 * o.speed;
    nextArrival = clock.virtualStart + arrivalRng.exponential(60_000 / o.rate) * 0.1;
    log(
      `posting to ${endpoint}: ~${o.rate} calls/min${o.speed !== 1 ? ` at ${o.speed}× speed` : ''}, extensions ${o.extensions.join(',')}, seed ${seed}${o.duration !== undefined ? `, for ${o.duration} s` : ''}`,
    );
    tickTimer = setInterval(tick, o.tickMs);
    if (o.reportEvery > 0) reportTimer = setInterval(() => log(summary()), o.reportEvery * 1000);
    tick();
  }

  function stop(opts: { timeoutMs?: number } = {}): Promise<SimulatorStats> {
    if (stopping) return stopping;
    if (state === 'idle') {
      state = 'stopped';
      const s = stats();
      resolveDone(s);
      return Promise.resolve(s);
    }
    state = 'stopping';
    stopping = (async () => {
      clearInterval(reportTimer);
      clearInterval(tickTimer);
      // What is due now goes out as usual; every call still on the line is hung up now.
      const now = clock.now();
      for (const s of agenda.due(now)) book.dispatch(s.call, s.pe, false);
      book.hangUp(agenda.drainPlanned(), now);
      // Late and second copies go out now, in their order.
      book.releaseHeld();
      agenda.releaseAll();
      const timeoutMs = opts.timeoutMs ?? 30_000;
      const until = Date.now() + timeoutMs;
      while (poster.busy() && Date.now() < until) {
        let timer: NodeJS.Timeout | undefined;
        const expired = new Promise<void>((r) => {
          timer = setTimeout(r, Math.max(0, until - Date.now()));
        });
        await Promise.race([poster.pump(), expired]);
        clearTimeout(timer);
      }
      // Whatever is still going out is cancelled on purpose, so that nothing is posted after stop() resolves
      // (the server may be closing next).
      const unsent = poster.busy();
      await poster.cancel();
      if (unsent) log(`the server did not take the last events within ${timeoutMs / 1000} s; dropped them`);
      state = 'stopped';
      log(`stopped: ${summary()}`);
      const s = stats();
      resolveDone(s);
      return s;
    })();
    return stopping;
  }

  return { start, stop, stats, done, callerNumbers: () => callers.used() };
}
