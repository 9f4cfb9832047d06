import { MAX_EVENTS_PER_POST, type TelephonyResult } from '@korgon/domain';
import { signedHeaders } from '@korgon/signing';
import { createCallerPool } from './callers';
import { MinHeap } from './heap';
import { createPlanner, DEFAULT_PLAN, type Expected, type PlannedCall, type PlannedEvent } from './plan';
import { createRandom } from './random';

export type { Expected } from './plan';

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
 */
export interface SimulatorOptions {
  /** The server's base URL. */
  url?: string;
  /** The server's TELEPHONY_SECRET. */
  secret: string;
  /** Calls per minute (of simulated time), Poisson. */
  rate?: number;
  /** Seconds (real) to run, then stop by itself; none: until stop(). */
  duration?: number;
  /** Same seed, same traffic. Default: random. */
  seed?: string | number;
  line?: string;
  /** The extensions that answer calls (the demo operators': 101, 102, 103). */
  extensions?: readonly string[];
  /** Where calls are transferred to (e.g. the supervisor's 110); none: another answering extension. */
  transferTo?: readonly string[];
  /** Calls one extension holds at once. */
  callsPerExtension?: number;
  /**
   * Simulated time runs this many times faster than real time (talk times, waits, arrivals). With a duration,
   * event times end at about the real end of the run (they start in the past); without, they run ahead.
   */
  speed?: number;
  /** Median talk time, seconds. */
  talkSeconds?: number;
  /** Median patience of a waiting caller, seconds. */
  patienceSeconds?: number;
  shortAbandonShare?: number;
  transferShare?: number;
  /** Share of events delivered late (after a later event of the same call). */
  lateShare?: number;
  /** Share of events delivered twice. */
  duplicateShare?: number;
  /** Distinct caller numbers; a small pool makes repeat callers. */
  callerPool?: number;
  /** Chance that a call comes from a number that called before. */
  repeatShare?: number;
  /** Chance that a caller's number is withheld. */
  hiddenShare?: number;
  /** Part of every call id, so runs with the same seed do not collide. Default: from the clock. */
  runId?: string;
  /** Log lines (never caller numbers). Default: console.log with a [simulator] prefix. */
  log?: (line: string) => void;
  /** Log a summary this often (seconds); 0: never. */
  reportEvery?: number;
  /** Attempts per request (network errors, 5xx, 429, 408), with backoff between them. */
  maxAttempts?: number;
  requestTimeoutMs?: number;
  /** How many calls' records stats() keeps (the most recent). */
  keepCalls?: number;
  tickMs?: number;
}

export interface CallRecord {
  callId: string;
  /** `caller-17` for the 17th number of the pool, null when withheld; never the number. */
  callerKey: string | null;
  repeatCaller: boolean;
  /** What the call ends as, by the model (after stop(), for every call). */
  expected: Expected;
  /** One of its events was sent after a later event of the same call. */
  outOfOrder: boolean;
  /** The request (1, 2, …) that first delivered its call.offered, null while not delivered. */
  offeredRequest: number | null;
  /** Its first copies delivered / planned. */
  delivered: number;
  planned: number;
  /** Ended by stop() rather than by the model. */
  hungUp: boolean;
}

export interface SimulatorStats {
  runId: string;
  seed: string;
  running: boolean;
  calls: number;
  /** Calls whose every event was delivered. */
  callsComplete: number;
  requests: number;
  failedRequests: number;
  retries: number;
  /** Distinct events the server accepted (2xx). */
  events: number;
  /** Copies sent again on purpose and accepted. */
  duplicatesSent: number;
  /** Events sent after a later event of their call. */
  lateSent: number;
  /** Events lost after every attempt failed. */
  droppedEvents: number;
  /** The server's own counts, summed from its answers. */
  serverStored: number;
  serverDuplicates: number;
  /** Every eventId the server accepted (first copies), in order (the most recent, see keepCalls). */
  eventIds: string[];
  /** The most recent calls (see keepCalls). */
  callRecords: CallRecord[];
}

export interface Simulator {
  start(): void;
  /**
   * Stops arrivals, hangs up the calls still on the line and sends what is left (giving up after
   * `timeoutMs`, default 30 s); resolves when done.
   */
  stop(opts?: { timeoutMs?: number }): Promise<SimulatorStats>;
  stats(): SimulatorStats;
  /** Resolves when the simulator has stopped (by stop() or at the end of its duration). */
  done: Promise<SimulatorStats>;
  /** The caller numbers used so far, for tests that check none was stored. Never log these. */
  callerNumbers(): string[];
}

interface CallState {
  plan: PlannedCall;
  maxQueuedAt: number;
  outOfOrder: boolean;
  offeredRequest: number | null;
  delivered: number;
  hungUp: boolean;
  held: PlannedEvent[];
}

interface Scheduled {
  atMs: number;
  order: number;
  call: CallState;
  pe: PlannedEvent;
}

interface Timed {
  releaseAt: number;
  order: number;
  run: () => void;
}

interface Outgoing {
  call: CallState;
  pe: PlannedEvent;
  copy: boolean;
}

/** Masks anything that looks like a phone number in text that came from elsewhere (a server's message). */
export function redactNumbers(text: string): string {
  return text.replace(/\+?\d[\d\s-]{5,}\d/g, '[number]');
}

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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

  const planRng = createRandom(`${seed}:plan`);
  const arrivalRng = createRandom(`${seed}:arrivals`);
  const callers = createCallerPool(createRandom(`${seed}:callers`), {
    size: o.callerPool,
    repeatShare: o.repeatShare,
    hiddenShare: o.hiddenShare,
  });
  const planner = createPlanner(planRng, {
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

  const counters = {
    calls: 0,
    callsComplete: 0,
    requests: 0,
    failedRequests: 0,
    retries: 0,
    events: 0,
    duplicatesSent: 0,
    lateSent: 0,
    droppedEvents: 0,
    serverStored: 0,
    serverDuplicates: 0,
  };
  const eventIds: string[] = [];
  const accepted = new Set<string>();
  const calls = new Map<string, CallState>();
  let order = 0;
  const scheduled = new MinHeap<Scheduled>((a, b) => (a.atMs - b.atMs || a.order - b.order) < 0);
  const timed = new MinHeap<Timed>((a, b) => (a.releaseAt - b.releaseAt || a.order - b.order) < 0);
  const outbox: Outgoing[] = [];

  let state: 'idle' | 'running' | 'stopping' | 'stopped' = 'idle';
  let realStart = 0;
  let virtualStart = 0;
  let nextArrival = 0;
  let endVirtual = Number.POSITIVE_INFINITY;
  let tickTimer: NodeJS.Timeout | undefined;
  let reportTimer: NodeJS.Timeout | undefined;
  let sending: Promise<void> | null = null;
  let stopping: Promise<SimulatorStats> | null = null;
  /** stop() gave up waiting: no more retries. */
  let halted = false;
  let resolveDone: (s: SimulatorStats) => void = () => undefined;
  const done = new Promise<SimulatorStats>((r) => {
    resolveDone = r;
  });

  // Repeated log lines (a server that is down) are counted, not repeated.
  let lastLine = '';
  let lastLineAt = 0;
  let repeats = 0;
  const logOnce = (line: string) => {
    const now = Date.now();
    if (line === lastLine && now - lastLineAt < 30_000) {
      repeats++;
      return;
    }
    if (repeats > 0) log(`(the previous message repeated ${repeats} more time${repeats === 1 ? '' : 's'})`);
    repeats = 0;
    lastLine = line;
    lastLineAt = now;
    log(line);
  };

  const virtualNow = (real = Date.now()) => virtualStart + (real - realStart) * o.speed;

  function arrive(t: number) {
    const plan = planner.plan(t, callers.next());
    const call: CallState = {
      plan,
      maxQueuedAt: Number.NEGATIVE_INFINITY,
      outOfOrder: false,
      offeredRequest: null,
      delivered: 0,
      hungUp: false,
      held: [],
    };
    counters.calls++;
    calls.set(plan.callId, call);
    if (calls.size > o.keepCalls) {
      const oldest = calls.keys().next().value;
      if (oldest !== undefined) calls.delete(oldest);
    }
    for (const pe of plan.events) scheduled.push({ atMs: pe.atMs, order: order++, call, pe });
  }

  const later = (delayMs: number, run: () => void) =>
    timed.push({ releaseAt: Date.now() + delayMs, order: order++, run });

  /** An event is due: send it now, or hold it back to deliver it late. */
  function dispatch(call: CallState, pe: PlannedEvent) {
    if (pe.delivery.late && state === 'running') {
      const last = call.plan.events.indexOf(pe) === call.plan.events.length - 1;
      if (last) later(pe.delivery.lateDelayMs + 1000, () => queue(call, pe));
      else call.held.push(pe);
      return;
    }
    queue(call, pe);
  }

  function queue(call: CallState, pe: PlannedEvent) {
    if (pe.atMs < call.maxQueuedAt) {
      call.outOfOrder = true;
      counters.lateSent++;
    }
    call.maxQueuedAt = Math.max(call.maxQueuedAt, pe.atMs);
    outbox.push({ call, pe, copy: false });
    const dup = pe.delivery.duplicate;
    if (dup === 'same-request') outbox.push({ call, pe, copy: true });
    else if (typeof dup === 'number') later(dup, () => outbox.push({ call, pe, copy: true }));
    // Events held back until a later one of their call went out go out a moment after it.
    const held = call.held.filter((h) => h !== pe);
    call.held = [];
    for (const h of held) later(h.delivery.lateDelayMs, () => queue(call, h));
  }

  function tick() {
    try {
      const real = Date.now();
      const now = virtualNow(real);
      if (state === 'running') {
        while (nextArrival <= now && nextArrival < endVirtual) {
          arrive(nextArrival);
          nextArrival += arrivalRng.exponential(60_000 / o.rate);
        }
      }
      for (let s = scheduled.peek(); s && s.atMs <= now; s = scheduled.peek()) {
        scheduled.pop();
        dispatch(s.call, s.pe);
      }
      for (let t = timed.peek(); t && t.releaseAt <= real; t = timed.peek()) {
        timed.pop();
        t.run();
      }
      pump();
      if (state === 'running' && o.duration !== undefined && real - realStart >= o.duration * 1000) {
        void stop();
      }
    } catch (err) {
      logOnce(`internal error (ignored): ${redactNumbers((err as Error).message)}`);
    }
  }

  function pump(): Promise<void> {
    if (sending) return sending;
    if (outbox.length === 0) return Promise.resolve();
    sending = (async () => {
      try {
        while (outbox.length > 0) await post(outbox.splice(0, MAX_EVENTS_PER_POST));
      } finally {
        sending = null;
      }
    })();
    return sending;
  }

  async function messageOf(res: Response): Promise<string> {
    const text = await res.text().catch(() => '');
    try {
      const body = JSON.parse(text) as { code?: string; message?: string };
      return [body.code, body.message].filter(Boolean).join(': ') || text.slice(0, 300);
    } catch {
      return text.slice(0, 300) || res.statusText;
    }
  }

  async function post(batch: Outgoing[]) {
    const first = batch[0];
    const raw = JSON.stringify(batch.length === 1 && first ? first.pe.event : batch.map((b) => b.pe.event));
    const request = ++counters.requests;
    for (let attempt = 1; attempt <= o.maxAttempts; attempt++) {
      let retryable = true;
      try {
        const res = await fetch(endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...signedHeaders(o.secret, raw) },
          body: raw,
          signal: AbortSignal.timeout(o.requestTimeoutMs),
        });
        if (res.ok) {
          const result = (await res.json().catch(() => null)) as TelephonyResult | null;
          counters.serverStored += result?.stored ?? 0;
          counters.serverDuplicates += result?.duplicates ?? 0;
          delivered(batch, request);
          return;
        }
        retryable = res.status >= 500 || res.status === 429 || res.status === 408;
        const hint = res.status === 401 ? ' (is the secret the server’s TELEPHONY_SECRET?)' : '';
        logOnce(`POST ${endpoint} answered ${res.status}: ${redactNumbers(await messageOf(res))}${hint}`);
      } catch (err) {
        const e = err as Error & { cause?: { code?: string; message?: string } };
        const why = e.cause?.code ?? e.cause?.message ?? e.message;
        logOnce(`POST ${endpoint} failed: ${redactNumbers(String(why))}`);
      }
      if (!retryable || attempt === o.maxAttempts || halted) break;
      counters.retries++;
      await sleep(250 * 4 ** (attempt - 1) * (0.75 + Math.random() * 0.5));
    }
    counters.failedRequests++;
    const lost = batch.filter((b) => !b.copy && !accepted.has(b.pe.event.eventId)).length;
    counters.droppedEvents += lost;
    logOnce(`gave up on a request of ${batch.length} event(s) (${lost} lost); carrying on`);
  }

  function delivered(batch: Outgoing[], request: number) {
    for (const b of batch) {
      const id = b.pe.event.eventId;
      if (accepted.has(id)) {
        counters.duplicatesSent++;
        continue;
      }
      accepted.add(id);
      eventIds.push(id);
      // A run of days stays small: the oldest ids go (their copies would count as new, harmlessly).
      if (eventIds.length > o.keepCalls * 8) {
        for (const old of eventIds.splice(0, o.keepCalls * 4)) accepted.delete(old);
      }
      counters.events++;
      b.call.delivered++;
      if (b.pe.event.type === 'call.offered') b.call.offeredRequest = request;
      if (b.call.delivered === b.call.plan.events.length) counters.callsComplete++;
    }
  }

  function stats(): SimulatorStats {
    return {
      runId,
      seed,
      running: state === 'running',
      ...counters,
      eventIds: [...eventIds],
      callRecords: [...calls.values()].map((c) => ({
        callId: c.plan.callId,
        callerKey: c.plan.caller.key,
        repeatCaller: c.plan.caller.repeat,
        expected: { ...c.plan.expected },
        outOfOrder: c.outOfOrder,
        offeredRequest: c.offeredRequest,
        delivered: c.delivered,
        planned: c.plan.events.length,
        hungUp: c.hungUp,
      })),
    };
  }

  const summary = () => {
    const s = counters;
    return `${s.calls} calls, ${s.events} events sent (${s.lateSent} late, ${s.duplicatesSent} twice), ${s.requests} requests, ${s.retries} retries, ${s.failedRequests} failed`;
  };

  function start() {
    if (state !== 'idle') return;
    state = 'running';
    realStart = Date.now();
    virtualStart =
      o.duration !== undefined && o.speed > 1 ? realStart - o.duration * 1000 * (o.speed - 1) : realStart;
    if (o.duration !== undefined) endVirtual = virtualStart + o.duration * 1000 * o.speed;
    nextArrival = virtualStart + arrivalRng.exponential(60_000 / o.rate) * 0.1;
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
      // What is due now goes out as usual; every call still on the line is hung up now.
      const now = virtualNow();
      for (let s = scheduled.peek(); s && s.atMs <= now; s = scheduled.peek()) {
        scheduled.pop();
        dispatch(s.call, s.pe);
      }
      const open = new Set(scheduled.drain().map((s) => s.call));
      for (const call of open) {
        call.hungUp = true;
        for (const pe of planner.hangUp(call.plan, now)) queue(call, pe);
      }
      // Late and second copies go out now, in their order.
      for (const call of calls.values()) {
        const held = call.held;
        call.held = [];
        for (const pe of held) queue(call, pe);
      }
      for (let t = timed.pop(); t; t = timed.pop()) t.run();
      clearInterval(tickTimer);
      const timeoutMs = opts.timeoutMs ?? 30_000;
      const until = Date.now() + timeoutMs;
      while ((outbox.length > 0 || sending) && Date.now() < until) {
        let timer: NodeJS.Timeout | undefined;
        const expired = new Promise<void>((r) => {
          timer = setTimeout(r, Math.max(0, until - Date.now()));
        });
        await Promise.race([pump(), expired]);
        clearTimeout(timer);
      }
      if (outbox.length > 0 || sending) {
        halted = true;
        counters.droppedEvents += outbox.filter((b) => !b.copy).length;
        outbox.length = 0;
        log(`the server did not take the last events within ${timeoutMs / 1000} s; dropped them`);
      }
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
