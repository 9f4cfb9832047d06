import { MAX_EVENTS_PER_POST, type TelephonyResult } from '@korgon/domain';
import { signedHeaders } from '@korgon/signing';
import type { CallBook } from './calls';
import { redactNumbers } from './log';
import type { Counters, Outgoing } from './types';

async function messageOf(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { code?: string; message?: string };
    return [body.code, body.message].filter(Boolean).join(': ') || text.slice(0, 300);
  } catch {
    return text.slice(0, 300) || res.statusText;
  }
}

/**
 * Posts the outbox through the signed PBX contract (POST /api/telephony/events, docs/telephony.md), one request
 * at a time, up to MAX_EVENTS_PER_POST events each, retrying network errors, 5xx, 429 and 408 with backoff.
 * cancel() ends it on purpose: no retry, the request in flight aborted, and nothing posted after it resolves.
 */
export function createPoster(deps: {
  endpoint: string;
  secret: string;
  maxAttempts: number;
  requestTimeoutMs: number;
  counters: Counters;
  outbox: Outgoing[];
  book: Pick<CallBook, 'delivered' | 'lost'>;
  logOnce: (line: string) => void;
}) {
  const { endpoint, counters, outbox, logOnce } = deps;
  const cancelling = new AbortController();
  let sending: Promise<void> | null = null;

  /** Waits `ms`, or less when cancelled. */
  const pause = (ms: number) =>
    new Promise<void>((r) => {
      const done = () => {
        clearTimeout(timer);
        r();
      };
      const timer = setTimeout(done, ms);
      cancelling.signal.addEventListener('abort', done, { once: true });
    });

  async function post(batch: Outgoing[]) {
    const first = batch[0];
    const raw = JSON.stringify(batch.length === 1 && first ? first.pe.event : batch.map((b) => b.pe.event));
    const request = ++counters.requests;
    for (let attempt = 1; attempt <= deps.maxAttempts && !cancelling.signal.aborted; attempt++) {
      let retryable = true;
      try {
        const res = await fetch(endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...signedHeaders(deps.secret, raw) },
          body: raw,
          signal: AbortSignal.any([cancelling.signal, AbortSignal.timeout(deps.requestTimeoutMs)]),
        });
        if (res.ok) {
          const result = (await res.json().catch(() => null)) as TelephonyResult | null;
          counters.serverStored += result?.stored ?? 0;
          counters.serverDuplicates += result?.duplicates ?? 0;
          deps.book.delivered(batch, request);
          return;
        }
        retryable = res.status >= 500 || res.status === 429 || res.status === 408;
        const hint = res.status === 401 ? ' (is the secret the server’s TELEPHONY_SECRET?)' : '';
        logOnce(`POST ${endpoint} answered ${res.status}: ${redactNumbers(await messageOf(res))}${hint}`);
      } catch (err) {
        // Cancelled by stop(): said once there, not per request.
        if (cancelling.signal.aborted) break;
        const e = err as Error & { cause?: { code?: string; message?: string } };
        const why = e.cause?.code ?? e.cause?.message ?? e.message;
        logOnce(`POST ${endpoint} failed: ${redactNumbers(String(why))}`);
      }
      if (!retryable || attempt === deps.maxAttempts || cancelling.signal.aborted) break;
      counters.retries++;
      await pause(250 * 4 ** (attempt - 1) * (0.75 + Math.random() * 0.5));
    }
    counters.failedRequests++;
    const lost = deps.book.lost(batch);
    counters.droppedEvents += lost;
    if (!cancelling.signal.aborted)
      logOnce(`gave up on a request of ${batch.length} event(s) (${lost} lost); carrying on`);
  }

  /** Sends what the outbox holds; resolves when it is empty (or cancelled). */
  function pump(): Promise<void> {
    if (sending) return sending;
    if (outbox.length === 0 || cancelling.signal.aborted) return Promise.resolve();
    sending = (async () => {
      try {
        while (outbox.length > 0 && !cancelling.signal.aborted)
          await post(outbox.splice(0, MAX_EVENTS_PER_POST));
      } finally {
        sending = null;
      }
    })();
    return sending;
  }

  /**
   * Stops posting: the request in flight is aborted (its events count as dropped, as do those still in the
   * outbox, which is emptied). Resolves once nothing is in flight.
   */
  async function cancel(): Promise<number> {
    cancelling.abort();
    await sending?.catch(() => undefined);
    const dropped = outbox.filter((b) => !b.copy).length;
    counters.droppedEvents += dropped;
    outbox.length = 0;
    return dropped;
  }

  return { pump, cancel, busy: () => sending !== null || outbox.length > 0 };
}
