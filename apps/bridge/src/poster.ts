import {
  type ActiveCallsBody,
  type Backoff,
  backoffDelay,
  MAX_EVENTS_PER_POST,
  type TelephonyEvent,
} from '@korgon/domain';
import type { Logger } from 'pino';
import { DEFAULT_BACKOFF } from './backoff';
import { postActiveCalls, postBatch } from './post-batch';

export interface PosterOptions {
  /** The full endpoint, `${KORGON_URL}/api/telephony/events`. */
  url: string;
  /** Where lists of active calls go; by default the events URL with `/active-calls` for `/events`. */
  activeCallsUrl?: string;
  secret: string;
  /** Events held while Korgon is unreachable; past this the oldest are dropped (and counted in a warning). */
  maxBuffer?: number;
  batchSize?: number;
  requestTimeoutMs?: number;
  backoff?: Backoff;
}

type Queued = { seq: number; event: TelephonyEvent } | { seq: number; active: ActiveCallsBody };

/**
 * An in-memory, bounded, ordered buffer of events and one sender: batches of up to 500 in order, one request
 * at a time, so Korgon sees events in the order the PBX sent them. A list of active calls takes its place in
 * the same order (events from before it are delivered before it, events after it after it), and replaces an
 * older list not sent yet. At-least-once: a batch leaves the buffer
 * only once Korgon answered 200 (stored or already had them) or 400 (it will never take them); 401, 5xx and
 * network errors keep it and retry after an exponential backoff, re-signed each time.
 */
export class Poster {
  readonly #opts: Required<PosterOptions>;
  #queue: Queued[] = [];
  #nextSeq = 0;
  #dropped = 0;
  #droppedReported = 0;
  #failures = 0;
  #running = false;
  #stopped = false;
  #flushing = false;
  #wake: (() => void) | null = null;
  #idle: (() => void)[] = [];
  readonly #abort = new AbortController();

  constructor(
    options: PosterOptions,
    private readonly log: Logger,
  ) {
    this.#opts = {
      maxBuffer: 50_000,
      batchSize: MAX_EVENTS_PER_POST,
      requestTimeoutMs: 10_000,
      backoff: DEFAULT_BACKOFF,
      activeCallsUrl: options.url.replace(/\/events$/, '/active-calls'),
      ...options,
    };
  }

  /** Events waiting to be delivered. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Events dropped so far because the buffer was full. */
  get dropped(): number {
    return this.#dropped;
  }

  push(event: TelephonyEvent): void {
    if (this.#stopped) return;
    if (this.#queue.length >= this.#opts.maxBuffer) {
      this.#queue.shift();
      this.#dropped += 1;
      if (this.#dropped === 1 || this.#dropped % 1_000 === 0) {
        this.log.warn(
          { dropped: this.#dropped, maxBuffer: this.#opts.maxBuffer },
          'event buffer full while Korgon is unreachable: dropped the oldest events',
        );
      }
    }
    this.#queue.push({ seq: this.#nextSeq++, event });
    void this.#pump();
  }

  /** Queues the PBX's list of active calls behind the events already buffered. */
  pushActiveCalls(body: ActiveCallsBody): void {
    if (this.#stopped) return;
    // A newer list says everything an older unsent one said; one in flight is left to finish.
    const inFlight = this.#running ? this.#queue[0] : undefined;
    this.#queue = this.#queue.filter((q) => !('active' in q) || q === inFlight);
    this.#queue.push({ seq: this.#nextSeq++, active: body });
    void this.#pump();
  }

  /** Sends what is buffered now, retrying quickly, for at most `timeoutMs`; resolves with what is left. */
  async flush(timeoutMs: number): Promise<number> {
    this.#flushing = true;
    this.#wake?.();
    void this.#pump();
    if (this.#queue.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.#idle.push(resolve)),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeoutMs);
        }),
      ]);
      clearTimeout(timer);
    }
    this.#flushing = false;
    return this.#queue.length;
  }

  /** Stops sending: aborts a request in flight and any wait. Buffered events are given up. */
  stop(): void {
    this.#stopped = true;
    this.#abort.abort();
    this.#wake?.();
  }

  async #pump(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      while (!this.#stopped && this.#queue.length > 0) {
        const head = this.#queue[0] as Queued;
        const batch: Queued[] = [];
        if ('active' in head) batch.push(head);
        else {
          for (const q of this.#queue) {
            if ('active' in q || batch.length >= this.#opts.batchSize) break;
            batch.push(q);
          }
        }
        const target = { ...this.#opts, signal: this.#abort.signal };
        const outcome =
          'active' in head
            ? await postActiveCalls(head.active, { ...target, url: this.#opts.activeCallsUrl }, this.log)
            : await postBatch(
                batch.map((q) => ('event' in q ? q.event : null)).filter((e) => e !== null),
                target,
                this.log,
              );
        if (outcome === 'retry') {
          // While flushing (shutting down, with a deadline) waits stay short, so that several tries fit in it.
          const cap = this.#flushing ? { ...this.#opts.backoff, capMs: 500 } : this.#opts.backoff;
          await this.#sleep(backoffDelay(this.#failures++, cap, Math.random));
          continue;
        }
        if (this.#failures > 0) this.#recovered();
        this.#failures = 0;
        // Remove through the batch's last event; events dropped for space meanwhile are already gone.
        const last = batch[batch.length - 1]?.seq ?? -1;
        let n = 0;
        while (n < this.#queue.length && (this.#queue[n]?.seq ?? Number.POSITIVE_INFINITY) <= last) n++;
        this.#queue.splice(0, n);
      }
    } finally {
      this.#running = false;
      if (this.#queue.length === 0 || this.#stopped) {
        for (const resolve of this.#idle.splice(0)) resolve();
      }
    }
  }

  #recovered(): void {
    this.log.info({ pending: this.#queue.length }, 'Korgon reachable again');
    const lost = this.#dropped - this.#droppedReported;
    if (lost > 0) {
      this.#droppedReported = this.#dropped;
      this.log.warn(
        { dropped: lost, maxBuffer: this.#opts.maxBuffer },
        'events were dropped during the outage',
      );
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake = done;
    });
  }
}
