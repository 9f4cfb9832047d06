import { createHmac, timingSafeEqual } from 'node:crypto';
import { SIGNATURE_HEADER, SIGNATURE_TOLERANCE_SECONDS, TIMESTAMP_HEADER } from '@korgon/domain';

/**
 * Request signatures shared by the PBX contract and partner webhooks:
 *   X-Korgon-Timestamp: <unix seconds>
 *   X-Korgon-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">
 */
export function sign(secret: string, timestamp: number | string, rawBody: string | Buffer): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
  return `sha256=${mac}`;
}

/** Headers for a signed request of `rawBody` at `now` (ms). */
export function signedHeaders(
  secret: string,
  rawBody: string | Buffer,
  now = Date.now(),
): Record<string, string> {
  const ts = Math.floor(now / 1000);
  return { [TIMESTAMP_HEADER]: String(ts), [SIGNATURE_HEADER]: sign(secret, ts, rawBody) };
}

export type Verdict = { ok: true } | { ok: false; reason: string };

/** Checks the timestamp window first (cheap), then the HMAC in constant time. */
export function checkTimestamp(
  timestamp: string | undefined,
  now = Date.now(),
  toleranceSeconds = SIGNATURE_TOLERANCE_SECONDS,
): Verdict {
  if (!timestamp) return { ok: false, reason: `the ${TIMESTAMP_HEADER} header is missing` };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: `${TIMESTAMP_HEADER} must be Unix seconds` };
  const skew = Math.abs(now / 1000 - Number(timestamp));
  if (skew > toleranceSeconds) {
    return {
      ok: false,
      reason: `${TIMESTAMP_HEADER} is ${Math.round(skew)} s away from the server's clock (at most ${toleranceSeconds} s)`,
    };
  }
  return { ok: true };
}

export function verify(
  secret: string,
  timestamp: string | undefined,
  signature: string | undefined,
  rawBody: string | Buffer,
  now = Date.now(),
): Verdict {
  const ts = checkTimestamp(timestamp, now);
  if (!ts.ok) return ts;
  if (!signature) return { ok: false, reason: `the ${SIGNATURE_HEADER} header is missing` };
  const expected = Buffer.from(sign(secret, timestamp as string, rawBody));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'the signature does not match the body and timestamp' };
  }
  return { ok: true };
}
/**
 * What a signed *request* signs: its method and path as well as its body, so that a signature made for one
 * resource cannot be replayed against another (the partner status callback, whose path names the referral).
 */
export function requestSigningInput(method: string, path: string, rawBody: string | Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${method.toUpperCase()} ${path}\n`), Buffer.from(rawBody)]);
}

/** Headers for a signed request: HMAC-SHA256 of "<timestamp>.<METHOD> <path>\n<raw body>". */
export function signedRequestHeaders(
  secret: string,
  method: string,
  path: string,
  rawBody: string | Buffer,
  now = Date.now(),
): Record<string, string> {
  return signedHeaders(secret, requestSigningInput(method, path, rawBody), now);
}

export function verifyRequest(
  secret: string,
  timestamp: string | undefined,
  signature: string | undefined,
  request: { method: string; path: string; rawBody: string | Buffer },
  now = Date.now(),
): Verdict {
  const v = verify(
    secret,
    timestamp,
    signature,
    requestSigningInput(request.method, request.path, request.rawBody),
    now,
  );
  return v.ok
    ? v
    : {
        ok: false,
        reason: v.reason.replace('the body and timestamp', 'the method, path, body and timestamp'),
      };
}
export * from './callers';
export * from './sealed';
