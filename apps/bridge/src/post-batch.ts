import {
  type ActiveCallsBody,
  ActiveCallsResult,
  type TelephonyEvent,
  TelephonyResult,
} from '@korgon/domain';
import { signedHeaders } from '@korgon/signing';
import type { Logger } from 'pino';

/** delivered: Korgon has them (200); rejected: it never will (400), drop them; retry: try again later. */
export type PostOutcome = 'delivered' | 'rejected' | 'retry';

export interface PostTarget {
  url: string;
  secret: string;
  requestTimeoutMs: number;
  signal: AbortSignal;
}

/** One signed POST of a batch (always sent as an array), judged by the contract's status codes. */
export async function postBatch(
  events: TelephonyEvent[],
  target: PostTarget,
  log: Logger,
): Promise<PostOutcome> {
  const first = events[0]?.eventId;
  const batch = { size: events.length, firstEventId: first, lastEventId: events[events.length - 1]?.eventId };
  return postSigned(JSON.stringify(events), target, log, batch, (text) => {
    const result = TelephonyResult.safeParse(safeJson(text));
    log.debug({ batch, ...(result.success ? result.data : {}) }, 'events delivered to Korgon');
  });
}

/** The PBX's list of active calls, to `${KORGON_URL}/api/telephony/active-calls`; judged like a batch. */
export async function postActiveCalls(
  body: ActiveCallsBody,
  target: PostTarget,
  log: Logger,
): Promise<PostOutcome> {
  const batch = { activeCalls: body.callIds.length, at: body.at };
  return postSigned(JSON.stringify(body), target, log, batch, (text) => {
    const result = ActiveCallsResult.safeParse(safeJson(text));
    log.info(
      { batch, ...(result.success ? result.data : {}) },
      'active calls sent to Korgon; it closed the others as lost',
    );
  });
}

async function postSigned(
  body: string,
  target: PostTarget,
  log: Logger,
  batch: Record<string, unknown>,
  delivered: (text: string) => void,
): Promise<PostOutcome> {
  let res: Response;
  let text: string;
  try {
    res = await fetch(target.url, {
      method: 'POST',
      // Signed at each attempt, so a retry after a long outage carries a fresh timestamp.
      headers: { 'content-type': 'application/json', ...signedHeaders(target.secret, body) },
      body,
      signal: AbortSignal.any([target.signal, AbortSignal.timeout(target.requestTimeoutMs)]),
    });
    text = await res.text();
  } catch (err) {
    if (target.signal.aborted) return 'retry';
    log.warn({ batch, reason: describe(err) }, 'Korgon unreachable; keeping the events and retrying');
    return 'retry';
  }
  if (res.ok) {
    delivered(text);
    return 'delivered';
  }
  const error = errorBody(text);
  if (res.status === 400) {
    log.error(
      { batch, status: 400, code: error.code, reason: error.message, issues: error.issues },
      'Korgon rejected a batch as invalid; dropping it (it would be rejected again)',
    );
    return 'rejected';
  }
  if (res.status === 401) {
    log.warn(
      { batch, status: 401, reason: error.message },
      'Korgon refused the signature (check TELEPHONY_SECRET and this host clock); retrying',
    );
    return 'retry';
  }
  log.warn({ batch, status: res.status, reason: error.message }, 'Korgon did not take the events; retrying');
  return 'retry';
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The `{ code, message, issues }` error body, scrubbed of anything that looks like a phone number. */
function errorBody(text: string): {
  code?: string;
  message?: string;
  issues?: { path: string; message: string }[];
} {
  const json = safeJson(text);
  if (!json || typeof json !== 'object') return { message: scrub(text.slice(0, 200)) };
  const o = json as { code?: unknown; message?: unknown; issues?: unknown };
  const issues = Array.isArray(o.issues)
    ? o.issues.slice(0, 20).map((i: { path?: unknown; message?: unknown }) => ({
        path: Array.isArray(i?.path) ? i.path.join('.') : String(i?.path ?? ''),
        message: scrub(String(i?.message ?? '')),
      }))
    : undefined;
  return {
    code: typeof o.code === 'string' ? o.code : undefined,
    message: typeof o.message === 'string' ? scrub(o.message) : undefined,
    issues,
  };
}

function scrub(text: string): string {
  return text.replace(/\+?\d[\d\s-]{6,}\d/g, '[number]');
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? err.message;
}
