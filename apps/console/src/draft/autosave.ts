import { autosaveRetryDelay, debounceWait } from './save-schedule';

export interface AutosaveHost {
  /** Starts one save of what is unsaved now, or answers null when there is nothing to send. */
  start(): Promise<void> | null;
  /** Asked after a save that was told to go again: whether there still is something to send. */
  stillUnsaved(): boolean;
}

/**
 * When a record's changes go to the server: after a pause in typing (bounded, see save-schedule), again with
 * backoff while the server is out of reach, at once when the connection comes back, and one save at a time
 * (a change made during a save goes in the next one).
 */
export class Autosave {
  private debounce: number | undefined;
  private firstPendingAt = 0;
  private retry: number | undefined;
  private attempt = 0;
  private inFlight: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(private readonly host: AutosaveHost) {}

  get saving(): boolean {
    return this.inFlight !== null;
  }

  /** A retry is due: changes wait for it rather than restart the debounce. */
  get retrying(): boolean {
    return this.retry !== undefined;
  }

  /** A change was made: send it after the debounce. */
  changed(): void {
    const now = Date.now();
    if (this.debounce === undefined) this.firstPendingAt = now;
    window.clearTimeout(this.debounce);
    this.debounce = window.setTimeout(
      () => {
        this.debounce = undefined;
        void this.now();
      },
      debounceWait(this.firstPendingAt, now),
    );
  }

  /** Sends now; during a save, once more right after it. */
  now(): Promise<void> {
    if (this.inFlight) {
      this.again = true;
      return this.inFlight;
    }
    if (this.stopped) return Promise.resolve();
    const started = this.host.start();
    if (!started) return Promise.resolve();
    this.clearTimers();
    this.inFlight = started.finally(() => {
      this.inFlight = null;
      if (this.again) {
        this.again = false;
        if (this.host.stillUnsaved()) void this.now();
      }
    });
    return this.inFlight;
  }

  /** The save in flight carried an older version than the page now holds: send again after it. */
  goAgain(): void {
    this.again = true;
  }

  /** A save went through: the next failure starts the backoff from the beginning. */
  succeeded(): void {
    this.attempt = 0;
  }

  /** The server was out of reach: try again later, each time waiting longer. */
  failedTransiently(): void {
    window.clearTimeout(this.retry);
    this.retry = window.setTimeout(
      () => {
        this.retry = undefined;
        void this.now();
      },
      autosaveRetryDelay(this.attempt++, Math.random),
    );
  }

  /** The connection came back: try at once rather than at the next retry. */
  retryNow(): void {
    if (this.retry === undefined || this.stopped) return;
    window.clearTimeout(this.retry);
    this.retry = undefined;
    void this.now();
  }

  /** The page closed: what is pending goes now rather than after the debounce. */
  flushPending(): void {
    if (this.debounce !== undefined) void this.now();
  }

  stop(): void {
    this.stopped = true;
    this.clearTimers();
  }

  private clearTimers(): void {
    window.clearTimeout(this.debounce);
    this.debounce = undefined;
    window.clearTimeout(this.retry);
    this.retry = undefined;
  }
}
