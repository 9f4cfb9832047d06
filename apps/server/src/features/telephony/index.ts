import {
  ActiveCallsBody,
  ActiveCallsResult,
  type Clock,
  ErrorBody,
  MAX_EVENTS_PER_POST,
  SIGNATURE_HEADER,
  TelephonyBatch,
  TelephonyBody,
  TelephonyEvent,
  TelephonyResult,
  TIMESTAMP_HEADER,
} from '@korgon/domain';
import type { CallLimits } from '@korgon/queue';
import { type CallerKeyring, checkTimestamp, verify } from '@korgon/signing';
import type { FastifyRequest } from 'fastify';
import rawBody from 'fastify-raw-body';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { AppError } from '../../errors';
import { createLiveSink } from '../queue/publisher';
import { createTelephonyService } from './service';

export interface TelephonyOptions {
  telephonySecret: string;
  callerKeys: CallerKeyring;
  clock?: Clock;
  wrapUpSeconds: number;
  callLimits: CallLimits;
}

const unauthorised = (reason: string) =>
  new AppError(401, 'unauthenticated', `The request is not signed correctly: ${reason}. Nothing was stored.`);

/** Turns zod issues into paths a PBX integrator can find: body[3].callerNumber. */
function issuesOf(error: z.ZodError, batch: boolean) {
  return error.issues.map((i) => {
    const [index, ...rest] = batch ? i.path : [undefined, ...i.path];
    const where = `body${index === undefined ? '' : `[${String(index)}]`}${rest.length ? `.${rest.join('.')}` : ''}`;
    const missing = i.code === 'invalid_type' && /received undefined/.test(i.message);
    return { path: where, message: missing ? `${String(rest.at(-1) ?? 'value')} is required.` : i.message };
  });
}

function validateBody(data: unknown): { value: TelephonyEvent[] } | { error: AppError } {
  const batch = Array.isArray(data);
  const parsed = batch ? TelephonyBatch.safeParse(data) : TelephonyEvent.safeParse(data);
  if (parsed.success) return { value: Array.isArray(parsed.data) ? parsed.data : [parsed.data] };
  const issues = issuesOf(parsed.error, batch);
  const first = issues[0];
  const message =
    batch && data.length > MAX_EVENTS_PER_POST
      ? `Send at most ${MAX_EVENTS_PER_POST} events in one request (this one has ${data.length}). Nothing was stored.`
      : `The event${first?.path.startsWith('body[') ? ` at ${first.path.slice(4, first.path.indexOf(']') + 1)}` : ''} is not valid: ${first?.path}: ${first?.message} Nothing was stored.`;
  return { error: new AppError(400, 'invalid_request', message, { issues }) };
}

/** POST /api/telephony/events: the PBX contract (docs/telephony.md). */
const telephony: FastifyPluginAsyncZod<TelephonyOptions> = async (app, opts) => {
  await app.register(rawBody, { global: false, runFirst: true, encoding: 'utf8' });
  const service = createTelephonyService(app.pool, createLiveSink(app), opts);

  const header = (req: FastifyRequest, name: string) => {
    const v = req.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };

  /** Both PBX routes are signed alike: headers first, then the HMAC of the raw body, before anything else. */
  const signed = {
    config: { signed: true, rawBody: true },
    bodyLimit: 2 * 1024 * 1024,
    onRequest: async (req: FastifyRequest) => {
      const ts = checkTimestamp(header(req, TIMESTAMP_HEADER));
      if (!ts.ok) throw unauthorised(ts.reason);
      if (!header(req, SIGNATURE_HEADER)) throw unauthorised(`the ${SIGNATURE_HEADER} header is missing`);
    },
    preValidation: async (req: FastifyRequest) => {
      const raw = req.rawBody ?? '';
      const v = verify(
        opts.telephonySecret,
        header(req, TIMESTAMP_HEADER),
        header(req, SIGNATURE_HEADER),
        raw,
      );
      if (!v.ok) throw unauthorised(v.reason);
    },
  };

  app.post(
    '/api/telephony/events',
    {
      ...signed,
      validatorCompiler:
        ({ httpPart }) =>
        (data: unknown) =>
          httpPart === 'body' ? validateBody(data) : { value: data },
      schema: {
        tags: ['telephony'],
        summary: 'Post PBX call events (one, or an array of 1 to 500), signed with TELEPHONY_SECRET',
        description:
          'Authenticated by X-Korgon-Timestamp (Unix seconds, within 5 minutes) and X-Korgon-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">. Idempotent by eventId. See docs/telephony.md.',
        security: [],
        body: TelephonyBody,
        response: { 200: TelephonyResult, 400: ErrorBody, 401: ErrorBody, 413: ErrorBody },
      },
    },
    async (req) => service.ingest(req.body as TelephonyEvent[]),
  );

  app.post(
    '/api/telephony/active-calls',
    {
      ...signed,
      validatorCompiler:
        ({ httpPart }) =>
        (data: unknown) => {
          if (httpPart !== 'body') return { value: data };
          const parsed = ActiveCallsBody.safeParse(data);
          if (parsed.success) return { value: parsed.data };
          const issues = issuesOf(parsed.error, false);
          const first = issues[0];
          return {
            error: new AppError(
              400,
              'invalid_request',
              `The list of active calls is not valid: ${first?.path}: ${first?.message} No call was closed.`,
              { issues },
            ),
          };
        },
      schema: {
        tags: ['telephony'],
        summary:
          'Post the calls the PBX says are on the line (signed like the events); every other open call is closed as lost',
        description:
          'Signed exactly like POST /api/telephony/events. The bridge sends it on every (re)connect to the PBX. Calls Korgon holds as waiting or answered whose callId is not in the list, and that it heard of before `at`, are closed as lost. See docs/telephony.md.',
        security: [],
        body: ActiveCallsBody,
        response: { 200: ActiveCallsResult, 400: ErrorBody, 401: ErrorBody, 413: ErrorBody },
      },
    },
    async (req) => service.activeCalls(req.body as ActiveCallsBody),
  );
};
export default telephony;
