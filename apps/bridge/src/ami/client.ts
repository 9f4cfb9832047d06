import { connect, type Socket } from 'node:net';
import { type Backoff, backoffDelay } from '@korgon/domain';
import type { Logger } from 'pino';
import { DEFAULT_BACKOFF } from '../backoff';
import { type AmiMessage, AmiParser, formatAction } from './parser';
import { PendingActions } from './pending';

export interface AmiClientOptions {
  host: string;
  port: number;
  username: string;
  secret: string;
  /** How often to send `Action: Ping` once logged in (a dead link shows up as an unanswered ping). */
  pingIntervalMs?: number;
  /** How long to wait for the banner, a Login, Ping or Logoff response before dropping the link. */
  responseTimeoutMs?: number;
  backoff?: Backoff;
}

const noop = () => undefined;

export type AmiEventHandler = (message: AmiMessage, receivedAt: Date) => void;

/** An action whose answer is a list of events (`EventList: start` … the `listEnd` event). */
interface Listing {
  listEnd: string;
  events: AmiMessage[];
  resolve: (events: AmiMessage[]) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * One logical AMI session that survives the TCP link: connect, wait for the banner, Login with `Events: on`,
 * ping periodically, and on any close (refused, rejected login, dead ping, server restart) reconnect after an
 * exponential backoff. Events reach `onEvent` only while logged in and reading.
 */
export class AmiClient {
  readonly #opts: Required<AmiClientOptions>;
  #socket: Socket | null = null;
  readonly #pending = new PendingActions();
  #nextActionId = 1;
  #failures = 0;
  #loggedIn = false;
  #stopped = false;
  #reading = true;
  #lastError: string | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #pingTimer: NodeJS.Timeout | undefined;
  readonly #listings = new Map<string, Listing>();

  constructor(
    options: AmiClientOptions,
    private readonly log: Logger,
    private readonly onEvent: AmiEventHandler,
    /** Called after every successful Login (the first and each reconnect), once events flow. */
    private readonly onLoggedIn: () => void = noop,
  ) {
    this.#opts = { pingIntervalMs: 20_000, responseTimeoutMs: 10_000, backoff: DEFAULT_BACKOFF, ...options };
  }

  get loggedIn(): boolean {
    return this.#loggedIn;
  }

  start(): void {
    this.#connect();
  }

  /** Stops handing events on (shutdown step one); the link stays up for the Logoff. */
  stopReading(): void {
    this.#reading = false;
  }

  /** Stops reconnecting, sends Logoff if logged in, and closes the link. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#reading = false;
    clearTimeout(this.#retryTimer);
    clearInterval(this.#pingTimer);
    const socket = this.#socket;
    if (!socket || socket.destroyed) return;
    if (this.#loggedIn) {
      await new Promise<void>((done) =>
        this.#action(
          socket,
          'Logoff',
          {},
          () => done(),
          () => done(),
        ),
      );
      this.log.info('AMI logged off');
    }
    await new Promise<void>((resolve) => {
      if (socket.destroyed) return resolve();
      socket.once('close', () => resolve());
      socket.end();
      setTimeout(() => socket.destroy(), 1_000).unref();
    });
  }

  #connect(): void {
    const { host, port, responseTimeoutMs } = this.#opts;
    const socket = connect({ host, port });
    const parser = new AmiParser();
    this.#socket = socket;
    this.#lastError = undefined;
    socket.setEncoding('utf8');
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 15_000);
    // Until logged in, silence means a wrong port or a hung server; after that the pings watch the link.
    socket.setTimeout(responseTimeoutMs, () => socket.destroy(new Error('no AMI banner or login response')));
    socket.on('data', (chunk: string) => {
      try {
        for (const frame of parser.push(chunk)) {
          if (frame.kind === 'banner') this.#login(socket, frame.banner);
          else this.#message(frame.message);
        }
      } catch (err) {
        socket.destroy(err instanceof Error ? err : new Error(String(err)));
      }
    });
    socket.on('error', (err) => {
      this.#lastError = err.message;
    });
    socket.on('close', () => this.#closed(socket));
  }

  /**
   * Sends an action answered by a list of events and resolves with them once `listEnd` arrives (rejects on an
   * error response, a closed link, or no complete answer within the response timeout).
   */
  list(action: string, listEnd: string, fields: Record<string, string> = {}): Promise<AmiMessage[]> {
    const socket = this.#socket;
    if (!socket || !this.#loggedIn) return Promise.reject(new Error('AMI is not logged in'));
    return new Promise<AmiMessage[]>((resolve, reject) => {
      const id = `korgon-${this.#nextActionId++}`;
      const fail = (error: Error) => {
        const listing = this.#listings.get(id);
        if (!listing) return;
        clearTimeout(listing.timer);
        this.#listings.delete(id);
        reject(error);
      };
      const timer = setTimeout(
        () => fail(new Error(`no complete answer to ${action} within ${this.#opts.responseTimeoutMs} ms`)),
        this.#opts.responseTimeoutMs,
      );
      this.#listings.set(id, { listEnd: listEnd.toLowerCase(), events: [], resolve, reject, timer });
      this.#pending.add(
        id,
        action,
        this.#opts.responseTimeoutMs,
        (res) => {
          if (res.response?.toLowerCase() !== 'success')
            fail(new Error(`${action} refused: ${res.message ?? res.response ?? 'no message'}`));
        },
        fail,
      );
      socket.write(formatAction(action, { ActionID: id, ...fields }));
    });
  }

  /** An event that belongs to a list we asked for: collected there, not handed on as a call event. */
  #listed(message: AmiMessage): boolean {
    const id = message.actionid;
    const listing = id === undefined || message.event === undefined ? undefined : this.#listings.get(id);
    if (id === undefined || !listing) return false;
    if (message.event?.toLowerCase() === listing.listEnd) {
      clearTimeout(listing.timer);
      this.#listings.delete(id);
      listing.resolve(listing.events);
    } else listing.events.push(message);
    return true;
  }

  #message(message: AmiMessage): void {
    if (this.#pending.settle(message)) return;
    if (this.#listed(message)) return;
    if (message.event === undefined || !this.#loggedIn || !this.#reading) return;
    try {
      this.onEvent(message, new Date());
    } catch (err) {
      // A bug in handling one event must not cost the link (and the events behind it).
      this.log.error({ event: message.event, reason: (err as Error).message }, 'AMI event handler failed');
    }
  }

  #login(socket: Socket, banner: string): void {
    const { host, port, username, secret } = this.#opts;
    this.log.info({ host, port, banner }, 'AMI connected; logging in');
    this.#action(
      socket,
      'Login',
      { Username: username, Secret: secret, Events: 'on' },
      (res) => {
        if (res.response?.toLowerCase() !== 'success') {
          this.#lastError = `login rejected: ${res.message ?? res.response ?? 'no message'}`;
          this.log.error(
            { host, port, username, response: res.response, reason: res.message },
            'AMI login rejected (check AMI_USERNAME, AMI_SECRET and manager.conf permit/deny); will retry',
          );
          socket.destroy();
          return;
        }
        socket.setTimeout(0);
        this.#loggedIn = true;
        this.#failures = 0;
        this.log.info({ host, port, username }, 'AMI logged in');
        this.#startPings(socket);
        try {
          this.onLoggedIn();
        } catch (err) {
          this.log.error({ reason: (err as Error).message }, 'AMI login handler failed');
        }
      },
      (err) => {
        this.#lastError = err.message;
        socket.destroy();
      },
    );
  }

  #startPings(socket: Socket): void {
    clearInterval(this.#pingTimer);
    this.#pingTimer = setInterval(() => {
      this.#action(socket, 'Ping', {}, noop, (err) => {
        if (socket.destroyed) return;
        this.#lastError = err.message;
        this.log.warn({ reason: err.message }, 'AMI ping unanswered; dropping the link to reconnect');
        socket.destroy();
      });
    }, this.#opts.pingIntervalMs);
  }

  #action(
    socket: Socket,
    action: string,
    fields: Record<string, string>,
    onResponse: (message: AmiMessage) => void,
    onFailure: (error: Error) => void,
  ): void {
    const id = `korgon-${this.#nextActionId++}`;
    this.#pending.add(id, action, this.#opts.responseTimeoutMs, onResponse, onFailure);
    socket.write(formatAction(action, { ActionID: id, ...fields }));
  }

  #closed(socket: Socket): void {
    if (socket !== this.#socket) return;
    clearInterval(this.#pingTimer);
    this.#pending.failAll(new Error('the AMI connection closed'));
    for (const [id, listing] of this.#listings) {
      clearTimeout(listing.timer);
      this.#listings.delete(id);
      listing.reject(new Error('the AMI connection closed'));
    }
    const wasLoggedIn = this.#loggedIn;
    this.#loggedIn = false;
    this.#socket = null;
    if (this.#stopped) return;
    const attempt = this.#failures++;
    const delayMs = backoffDelay(attempt, this.#opts.backoff, Math.random);
    const { host, port } = this.#opts;
    this.log.warn(
      { host, port, attempt: attempt + 1, delayMs, reason: this.#lastError ?? 'closed by the server' },
      wasLoggedIn ? 'AMI connection lost; reconnecting' : 'AMI connection failed; retrying',
    );
    this.#retryTimer = setTimeout(() => this.#connect(), delayMs);
  }
}
