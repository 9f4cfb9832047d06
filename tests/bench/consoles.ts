import { io, type Socket } from 'socket.io-client';
import { now, percentiles, sleep } from './lib/util';

/**
 * A child process holding many connected consoles (Socket.IO clients over WebSocket), the same for the real
 * server and for the bare baseline. It notes when each console first receives each `queue:change`
 * (by call id and state), and on request turns those into latencies against the send times it is given.
 *
 * argv[2]: JSON { url, origin, cookies: string[], count }. IPC in: {type:'report', sendTimes}, {type:'close'}.
 * IPC out: {type:'ready'}, {type:'report'}.
 */
interface Config {
  url: string;
  origin: string;
  cookies: string[];
  count: number;
}
interface CallChange {
  kind: string;
  call?: { id: string; state: string };
}

const config = JSON.parse(process.argv[2] ?? '{}') as Config;
const send = (m: Record<string, unknown>) => process.send?.(m);

const sockets: Socket[] = [];
/** key "callId|state" → first receipt time per console (NaN: not received). */
const receipts = new Map<string, Float64Array>();
let disconnects = 0;
let measuring = false;

function record(index: number, change: CallChange) {
  if (change.kind !== 'call' || !change.call) return;
  const at = now();
  const key = `${change.call.id}|${change.call.state}`;
  let times = receipts.get(key);
  if (!times) {
    times = new Float64Array(config.count).fill(Number.NaN);
    receipts.set(key, times);
  }
  if (Number.isNaN(times[index])) times[index] = at;
}

function connect(index: number): Promise<string | null> {
  const cookie = config.cookies[index % config.cookies.length];
  const s = io(config.url, {
    path: '/socket.io',
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    timeout: 30_000,
    extraHeaders: { origin: config.origin, ...(cookie ? { cookie } : {}) },
  });
  sockets.push(s);
  s.on('queue:change', (c: CallChange) => record(index, c));
  s.on('disconnect', () => {
    if (measuring) disconnects++;
  });
  return new Promise((resolve) => {
    s.once('connect', () => resolve(null));
    s.once('connect_error', (err) => resolve(err.message));
  });
}

async function main() {
  const started = now();
  const errors: string[] = [];
  // In waves, as consoles of a shift would: a thundering herd of 300 handshakes measures something else.
  for (let i = 0; i < config.count; i += 25) {
    const wave = Array.from({ length: Math.min(25, config.count - i) }, (_, k) => connect(i + k));
    for (const e of await Promise.all(wave)) if (e) errors.push(e);
  }
  const connected = sockets.filter((s) => s.connected).length;
  measuring = true;
  send({
    type: 'ready',
    connected,
    failed: errors.length,
    errors: errors.slice(0, 5),
    connect_ms: now() - started,
  });
}

process.on('message', (m: { type: string; sendTimes?: [string, number][] }) => {
  if (m.type === 'report') {
    const latencies: number[] = [];
    let missing = 0;
    const worstPerConsole = new Float64Array(config.count);
    for (const [key, sentAt] of m.sendTimes ?? []) {
      const times = receipts.get(key);
      for (let i = 0; i < config.count; i++) {
        const t = times?.[i];
        if (t === undefined || Number.isNaN(t)) missing++;
        else {
          const lat = t - sentAt;
          latencies.push(lat);
          if (lat > (worstPerConsole[i] ?? 0)) worstPerConsole[i] = lat;
        }
      }
    }
    send({
      type: 'report',
      ...percentiles(latencies),
      missing,
      expected: (m.sendTimes?.length ?? 0) * config.count,
      disconnects,
      still_connected: sockets.filter((s) => s.connected).length,
      worst_console_max_ms: percentiles(worstPerConsole).max_ms,
    });
  } else if (m.type === 'close') {
    measuring = false;
    for (const s of sockets) s.close();
    void sleep(200).then(() => process.exit(0));
  }
});

main().catch((err: Error) => {
  send({ type: 'ready', connected: 0, failed: config.count, errors: [err.message] });
});
