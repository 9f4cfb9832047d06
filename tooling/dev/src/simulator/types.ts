import type { Expected, PlannedCall, PlannedEvent } from './plan';

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
   * `timeoutMs`, default 30 s, and cancelling the requests still in flight then); resolves when done. No
   * request is sent or in flight once it has resolved.
   */
  stop(opts?: { timeoutMs?: number }): Promise<SimulatorStats>;
  stats(): SimulatorStats;
  /** Resolves when the simulator has stopped (by stop() or at the end of its duration). */
  done: Promise<SimulatorStats>;
  /** The caller numbers used so far, for tests that check none was stored. Never log these. */
  callerNumbers(): string[];
}

/** The counts stats() reports, shared by the modules that move them. */
export type Counters = Omit<SimulatorStats, 'runId' | 'seed' | 'running' | 'eventIds' | 'callRecords'>;

export function newCounters(): Counters {
  return {
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
}

/** One call on the simulated line, and what of it has gone out. */
export interface CallState {
  plan: PlannedCall;
  maxQueuedAt: number;
  outOfOrder: boolean;
  offeredRequest: number | null;
  delivered: number;
  hungUp: boolean;
  /** Events held back to go out after a later one of their call. */
  held: PlannedEvent[];
}

/** One copy of an event waiting to be posted; `copy`: a second copy, sent on purpose. */
export interface Outgoing {
  call: CallState;
  pe: PlannedEvent;
  copy: boolean;
}
