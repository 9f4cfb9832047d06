import type { TelephonyEvent } from '@korgon/domain';
import { signedHeaders } from '@korgon/signing';
import type { FastifyInstance } from 'fastify';

/** Posts events to the app through the real, signed route (inject). */
export async function postEvents(
  app: FastifyInstance,
  secret: string,
  body: TelephonyEvent | TelephonyEvent[] | unknown,
  opts: { now?: number; headers?: Record<string, string> } = {},
) {
  const raw = JSON.stringify(body);
  return app.inject({
    method: 'POST',
    url: '/api/telephony/events',
    headers: { 'content-type': 'application/json', ...signedHeaders(secret, raw, opts.now), ...opts.headers },
    payload: raw,
  });
}

let seq = 0;
/** A realistic event; ids unique per test run. */
export function callEvent(
  callId: string,
  type: TelephonyEvent['type'],
  at: Date | string,
  extra: Partial<TelephonyEvent> = {},
): TelephonyEvent {
  return {
    eventId: `${callId}:${type}:${seq++}`,
    callId,
    type,
    at: typeof at === 'string' ? at : at.toISOString(),
    line: '5200',
    ...extra,
  };
}
