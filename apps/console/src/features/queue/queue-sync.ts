import { type Backoff, backoffDelay, type QueueChange, type QueueSnapshot } from '@korgon/domain';
import { signedInGeneration } from '../../lib/signed-in-state';
import { type QueueState, useQueueStore } from './queue-store';

/** How often the console asks the server for its queue version (and its clock). */
export const PING_INTERVAL_MS = 15_000;
/**
 * Waits between failed snapshot requests: 1 s, 2 s, 4 s … up to 30 s. A blip heals within a second; a server
 * that stays down is asked twice a minute at most. No jitter: after a server restart the consoles come back
 * through socket.io's own (jittered) reconnect, which resyncs at once and cancels this timer.
 */
const SNAPSHOT_RETRY: Backoff = { baseMs: 1_000, capMs: 30_000 };
/** More buffered changes than this are dropped: the next snapshot covers them all. */
const MAX_BUFFERED = 1_000;

export interface Pong {
  serverTime: string;
  queueVersion: number;
}

export interface QueueSyncDeps {
  fetchSnapshot(): Promise<QueueSnapshot>;
  ping(): Promise<Pong>;
  now?: () => number;
  store?: { getState(): QueueState };
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
}

export interface QueueSync {
  /** The socket (re)connected: the server's state may have moved on without us. */
  connected(): void;
  disconnected(): void;
  /** A pushed `queue:change`. */
  change(change: QueueChange): void;
  /** Asks the server for its version now; fetches a snapshot if ours differs. */
  check(): Promise<void>;
  /** Fetches a snapshot now (or right after the one in flight). */
  resync(): Promise<void>;
  stop(): void;
}

/** Offset of the server's clock, taking the answer as read half-way through the round trip. */
export function clockOffset(serverTime: string, sentAt: number, receivedAt: number): number | null {
  const server = Date.parse(serverTime);
  if (Number.isNaN(server)) return null;
  return Math.round(server - (sentAt + receivedAt) / 2);
}

/**
 * Keeps the queue store equal to the server's state: a snapshot on every (re)connect, then the pushed
 * changes strictly in version order. A gap in the versions, or a ping that reports another version than
 * ours, brings a fresh snapshot; changes that arrive while it is being fetched wait and are applied after
 * it when they are newer. The server is the only source of truth: nothing here guesses.
 */
export function createQueueSync(deps: QueueSyncDeps): QueueSync {
  const now = deps.now ?? Date.now;
  const store = deps.store ?? useQueueStore;
  const setTimer = deps.setTimer ?? ((fn: () => void, ms: number) => setTimeout(fn, ms));
  const clearTimer = deps.clearTimer ?? ((timer: unknown) => clearTimeout(timer as number));

  let online = false;
  let stopped = false;
  // Answers that arrive after a sign-out belong to nobody: they are dropped.
  const generation = signedInGeneration();
  const gone = () => stopped || generation !== signedInGeneration();
  let inFlight: Promise<void> | null = null;
  let again = false;
  let buffer: QueueChange[] = [];
  let failures = 0;
  let retry: unknown = null;

  const state = () => store.getState();

  /** Applies buffered changes that follow on; a gap left over asks for another snapshot. */
  function drain(): void {
    const pending = buffer.sort((a, b) => a.version - b.version);
    buffer = [];
    for (let i = 0; i < pending.length; i++) {
      const change = pending[i] as QueueChange;
      const current = state().version;
      if (change.version <= current) continue;
      if (change.version === current + 1) {
        state().apply(change);
        continue;
      }
      buffer = pending.slice(i);
      again = true;
      return;
    }
  }

  function scheduleRetry(): void {
    if (retry !== null || stopped) return;
    const wait = backoffDelay(failures - 1, SNAPSHOT_RETRY, Math.random);
    retry = setTimer(() => {
      retry = null;
      if (online) void resync();
    }, wait);
  }

  async function run(): Promise<void> {
    state().setSyncing(true);
    try {
      do {
        again = false;
        const sentAt = now();
        let snapshot: QueueSnapshot;
        try {
          snapshot = await deps.fetchSnapshot();
        } catch (error) {
          if (gone()) return;
          failures += 1;
          state().setSyncing(false, error);
          scheduleRetry();
          return;
        }
        if (gone()) return;
        failures = 0;
        const offset = clockOffset(snapshot.serverTime, sentAt, now());
        if (offset !== null) state().setClockOffset(offset);
        state().replace(snapshot);
        drain();
      } while (again && !stopped);
      state().setSyncing(false);
    } finally {
      inFlight = null;
    }
  }

  function resync(): Promise<void> {
    if (stopped) return Promise.resolve();
    if (retry !== null) {
      clearTimer(retry);
      retry = null;
    }
    if (inFlight) {
      // The request in flight may have been read before whatever made us ask: read once more after it.
      again = true;
      return inFlight;
    }
    inFlight = run();
    return inFlight;
  }

  function change(c: QueueChange): void {
    if (gone()) return;
    const { loaded, version } = state();
    if (inFlight || !loaded) {
      buffer.push(c);
      if (buffer.length > MAX_BUFFERED) buffer = [];
      return;
    }
    if (c.version <= version) return;
    if (c.version === version + 1) {
      state().apply(c);
      return;
    }
    buffer.push(c);
    void resync();
  }

  async function check(): Promise<void> {
    if (stopped || !online) return;
    const sentAt = now();
    let pong: Pong;
    try {
      pong = await deps.ping();
    } catch {
      return; // no answer: socket.io notices a dead connection on its own, and we resync on reconnect
    }
    if (gone()) return;
    const offset = clockOffset(pong.serverTime, sentAt, now());
    if (offset !== null) state().setClockOffset(offset);
    // -1: the server could not read its version; the next ping asks again.
    if (pong.queueVersion < 0 || inFlight) return;
    if (!state().loaded || pong.queueVersion !== state().version) await resync();
  }

  return {
    connected() {
      if (stopped) return;
      online = true;
      state().setConnection('live');
      void resync();
    },
    disconnected() {
      online = false;
      if (!stopped) state().setConnection('reconnecting');
    },
    change,
    check,
    resync,
    stop() {
      stopped = true;
      online = false;
      buffer = [];
      if (retry !== null) clearTimer(retry);
      retry = null;
    },
  };
}
