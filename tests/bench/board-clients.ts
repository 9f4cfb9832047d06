import { io, type Socket } from 'socket.io-client';
import { now, percentiles, sleep } from './lib/util';

/**
 * A child process holding the supervisors' boards of `board-update`: one Socket.IO client (WebSocket) per
 * session, as a board's browser tab holds one. On every board it notes
 * - each `board:figures` push: when it arrived, its `at`, and today's offered, answered and abandoned counts;
 * - the first receipt of each `queue:change` (by call id and state): the live-push path, the baseline.
 * On request it turns them into latencies against the send times it is given (see board.ts for what
 * "reflects an event" means).
 *
 * argv[2]: JSON { url, origin, cookies: string[] } (one board per cookie).
 * IPC in: {type:'report', events, base}, {type:'close'}. IPC out: {type:'ready'}, {type:'report'}.
 */
interface Config {
  url: string;
  origin: string;
  cookies: string[];
}

export type BoardKind = 'offered' | 'answered' | 'abandoned';
export interface BoardEvent {
  /** "callId|state" of the queue:change it causes. */
  key: string;
  kind: BoardKind;
  /** 1 for the first event of its kind the bench sent, 2 for the second, … */
  rank: number;
  sentAt: number;
}
export type BoardCounts = Record<BoardKind, number>;

interface FiguresPush extends BoardCounts {
  /** Receipt time. */
  t: number;
  /** The figures' `at`: the server's clock when it began computing them. */
  at: number;
}
interface Figures {
  at: string;
  windows: { today: BoardCounts };
}
interface CallChange {
  kind: string;
  call?: { id: string; state: string };
}

const config = JSON.parse(process.argv[2] ?? '{}') as Config;
const count = config.cookies.length;
const send = (m: Record<string, unknown>) => process.send?.(m);

const sockets: Socket[] = [];
const pushes: FiguresPush[][] = Array.from({ length: count }, () => []);
/** key "callId|state" → first receipt time per board (NaN: not received). */
const receipts = new Map<string, Float64Array>();
let disconnects = 0;
let measuring = false;

function onFigures(index: number, f: Figures) {
  const t = now();
  const today = f.windows.today;
  pushes[index]?.push({
    t,
    at: Date.parse(f.at),
    offered: today.offered,
    answered: today.answered,
    abandoned: today.abandoned,
  });
}

function onChange(index: number, change: CallChange) {
  if (change.kind !== 'call' || !change.call) return;
  const at = now();
  const key = `${change.call.id}|${change.call.state}`;
  let times = receipts.get(key);
  if (!times) {
    times = new Float64Array(count).fill(Number.NaN);
    receipts.set(key, times);
  }
  if (Number.isNaN(times[index])) times[index] = at;
}

function connect(index: number): Promise<string | null> {
  const s = io(config.url, {
    path: '/socket.io',
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    timeout: 30_000,
    extraHeaders: { origin: config.origin, cookie: config.cookies[index] as string },
  });
  sockets.push(s);
  s.on('board:figures', (f: Figures) => onFigures(index, f));
  s.on('queue:change', (c: CallChange) => onChange(index, c));
  s.on('disconnect', () => {
    if (measuring) disconnects++;
  });
  return new Promise((resolve) => {
    s.once('connect', () => resolve(null));
    s.once('connect_error', (err) => resolve(err.message));
  });
}

/** Per board, the first push whose count of the event's kind includes it (counts only grow, push by push). */
function boardLatencies(events: BoardEvent[], base: BoardCounts) {
  const latencies: number[] = [];
  let missing = 0;
  const byKind = new Map<BoardKind, BoardEvent[]>();
  for (const e of events) {
    const list = byKind.get(e.kind) ?? [];
    list.push(e);
    byKind.set(e.kind, list);
  }
  for (const list of byKind.values()) list.sort((a, b) => a.rank - b.rank);
  for (const list of pushes) {
    for (const [kind, evs] of byKind) {
      let i = 0;
      for (const e of evs) {
        // For ranks r1 < r2 the first push reaching r2 is never before the first reaching r1: move on only.
        while (i < list.length && (list[i]?.[kind] ?? 0) - base[kind] < e.rank) i++;
        const p = list[i];
        if (p) latencies.push(p.t - e.sentAt);
        else missing++;
      }
    }
  }
  return { latencies, missing };
}

function queueLatencies(events: BoardEvent[]) {
  const latencies: number[] = [];
  let missing = 0;
  for (const e of events) {
    const times = receipts.get(e.key);
    for (let i = 0; i < count; i++) {
      const t = times?.[i];
      if (t === undefined || Number.isNaN(t)) missing++;
      else latencies.push(t - e.sentAt);
    }
  }
  return { latencies, missing };
}

async function main() {
  const started = now();
  const results = await Promise.all(config.cookies.map((_, i) => connect(i)));
  const errors = results.filter((e): e is string => e !== null);
  measuring = true;
  send({
    type: 'ready',
    connected: sockets.filter((s) => s.connected).length,
    errors: errors.slice(0, 5),
    connect_ms: now() - started,
  });
}

process.on(
  'message',
  (m: { type: string; events?: BoardEvent[]; base?: BoardCounts; from?: number; to?: number }) => {
    if (m.type === 'report' && m.events && m.base) {
      const board = boardLatencies(m.events, m.base);
      const queue = queueLatencies(m.events);
      // Pushes during the measured span only: how often the board was refreshed, and how long from the start
      // of a computation (`at`, the server's clock) to its arrival (the recomputation, the emit and the wire).
      const inSpan = pushes.map((list) =>
        list.filter((p) => p.t >= (m.from ?? 0) && p.t <= (m.to ?? Infinity)),
      );
      const last = pushes[0]?.at(-1);
      send({
        type: 'report',
        board: { ...percentiles(board.latencies), missing: board.missing },
        queue: { ...percentiles(queue.latencies), missing: queue.missing },
        pushes_per_board: inSpan.reduce((a, l) => a + l.length, 0) / Math.max(1, count),
        at_to_receipt: percentiles(inSpan.flatMap((l) => l.map((p) => p.t - p.at))),
        last_counts: last
          ? { offered: last.offered, answered: last.answered, abandoned: last.abandoned }
          : null,
        disconnects,
        still_connected: sockets.filter((s) => s.connected).length,
      });
    } else if (m.type === 'close') {
      measuring = false;
      for (const s of sockets) s.close();
      void sleep(200).then(() => process.exit(0));
    }
  },
);

main().catch((err: Error) => {
  send({ type: 'ready', connected: 0, errors: [err.message] });
});
