import type {
  ClientToServerEvents,
  QueueCall,
  QueueChange,
  QueueSnapshot,
  ServerToClientEvents,
} from '@korgon/domain';
import { io, type Socket } from 'socket.io-client';

/**
 * A console's live queue, kept as apps/console keeps it (docs/realtime.md "Keeping the live queue exact"): a
 * snapshot (GET /api/queue) at every connect and reconnect, then `queue:change` applied in version order, a gap
 * answered with a fresh snapshot. Its socket reconnects by itself, through whatever address it was given (the
 * proxy), as the browser's does.
 */
export class LiveConsole {
  readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  version = -1;
  calls = new Map<string, QueueCall>();
  /** Every version pushed to this console, in arrival order. */
  pushed: number[] = [];
  connects = 0;
  disconnects: string[] = [];
  connectErrors: string[] = [];
  snapshotFailures: string[] = [];
  private closed = false;
  gaps = 0;
  private syncing: Promise<void> | null = null;
  private buffered: QueueChange[] = [];

  constructor(
    readonly base: string,
    readonly cookie: string,
    readonly origin = base,
  ) {
    this.socket = io(base, {
      path: '/socket.io',
      transports: ['websocket'],
      extraHeaders: { origin, cookie },
      reconnectionDelay: 100,
      reconnectionDelayMax: 500,
    });
    this.socket.on('connect', () => {
      this.connects++;
      void this.resync();
    });
    this.socket.on('disconnect', (reason) => this.disconnects.push(reason));
    this.socket.on('connect_error', (err) => this.connectErrors.push(err.message));
    this.socket.io.on('reconnect_error', (err) => this.connectErrors.push(`reconnect: ${err.message}`));
    this.socket.on('queue:change', (c) => {
      this.pushed.push(c.version);
      if (this.syncing) this.buffered.push(c);
      else this.apply(c);
    });
  }

  connected(timeoutMs = 15_000): Promise<void> {
    if (this.socket.connected && !this.syncing && this.version >= 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const until = Date.now() + timeoutMs;
      const check = () => {
        if (this.socket.connected && !this.syncing && this.version >= 0) return resolve();
        if (Date.now() > until)
          return reject(
            new Error(
              `console on ${this.base} did not (re)connect: connected ${this.socket.connected}, version ${this.version}, disconnects ${this.disconnects.join(', ')}, errors ${this.connectErrors.slice(-5).join(', ')}`,
            ),
          );
        setTimeout(check, 20);
      };
      check();
    });
  }

  private apply(c: QueueChange) {
    if (c.version <= this.version) return;
    if (c.version !== this.version + 1) {
      this.gaps++;
      void this.resync();
      return;
    }
    this.version = c.version;
    if (c.kind === 'call') this.calls.set(c.call.id, c.call);
  }

  resync(): Promise<void> {
    if (this.syncing) return this.syncing;
    this.syncing = (async () => {
      // As the console does: until it has a snapshot (each failure recorded; the test expects none).
      for (;;) {
        const res = await fetch(`${this.base}/api/queue`, { headers: { cookie: this.cookie } }).catch(
          (err: Error) => err,
        );
        if (res instanceof Response && res.ok) {
          const snap = (await res.json()) as QueueSnapshot;
          this.version = snap.version;
          this.calls = new Map(snap.calls.map((c) => [c.id, c]));
          break;
        }
        this.snapshotFailures.push(res instanceof Response ? `GET /api/queue: ${res.status}` : res.message);
        if (this.closed) return;
        await new Promise((r) => setTimeout(r, 200));
      }
      const later = this.buffered.sort((a, b) => a.version - b.version);
      this.buffered = [];
      this.syncing = null;
      for (const c of later) this.apply(c);
    })();
    return this.syncing;
  }

  close() {
    this.closed = true;
    this.socket.close();
  }
}
