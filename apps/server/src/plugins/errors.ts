import type { ErrorBody } from '@korgon/domain';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { AppError, pgErrorCode } from '../errors';
import { settleAuth } from './auth';

const WHERE: Record<string, string> = {
  body: 'request body',
  querystring: 'query string',
  params: 'URL',
  headers: 'headers',
};

/** Codes of PostgreSQL being unreachable or restarting: the request may be retried as is. */
const DB_UNAVAILABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08003',
  '08006',
]);

function isDbUnavailable(err: unknown): boolean {
  for (
    let e = err, depth = 0;
    typeof e === 'object' && e !== null && depth < 5;
    e = (e as { cause?: unknown }).cause, depth++
  ) {
    const code = (e as { code?: unknown }).code;
    const message = String((e as { message?: unknown }).message ?? '');
    if (typeof code === 'string' && DB_UNAVAILABLE.has(code)) return true;
    if (/Connection terminated|connection timeout|Client has encountered a connection error/i.test(message))
      return true;
  }
  return false;
}

export function sendError(reply: FastifyReply, status: number, body: ErrorBody): FastifyReply {
  if (body.retryAfterSeconds !== undefined) reply.header('retry-after', String(body.retryAfterSeconds));
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}

export function validationBody(err: FastifyError & { validationContext?: string }): ErrorBody {
  const where = err.validationContext ?? 'body';
  const issues = (err.validation ?? []).map((v) => {
    const field = v.instancePath.replace(/^\//, '').replaceAll('/', '.');
    const missing = v.keyword === 'invalid_type' && /received undefined/.test(v.message ?? '');
    return {
      path: field ? `${where}.${field}` : where,
      message: missing ? `${field || where} is required.` : (v.message ?? 'is not valid.'),
    };
  });
  const first = issues[0];
  const summary = first
    ? `The ${WHERE[where] ?? where} is not valid: ${first.path.replace(`${where}.`, '')}: ${first.message}`
    : `The ${WHERE[where] ?? where} is not valid.`;
  return { code: 'invalid_request', message: summary, issues };
}

/**
 * One place builds every error body. 4xx carry a message the person can act on; 5xx are logged with the
 * request id and answered generically, never with a stack.
 */
export default fp(async (app: FastifyInstance) => {
  app.setErrorHandler(async (error: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    let err = error;
    // A route that checks its session itself may fail (bad JSON, a 400) before it did: the guard answers first.
    // (Undefined in an app without the auth plugin.)
    if (req.uncheckedSessionId) {
      try {
        await settleAuth(req);
      } catch (authErr) {
        err = authErr as FastifyError;
      }
    }
    if (err instanceof AppError) {
      return sendError(reply, err.statusCode, { code: err.code, message: err.message, ...err.extra });
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      return sendError(reply, 400, validationBody(err as FastifyError & { validationContext?: string }));
    }
    if (err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError) {
      return sendError(reply, 400, {
        code: 'invalid_json',
        message: `The request body is not valid JSON (${err.message}). Check the quotes, commas and brackets.`,
      });
    }
    if (err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
      return sendError(reply, 400, {
        code: 'invalid_json',
        message: 'The request says it sends JSON but the body is empty. Send a JSON object.',
      });
    }
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || err.statusCode === 413) {
      return sendError(reply, 413, { code: 'payload_too_large', message: 'The request body is too large.' });
    }
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || err.statusCode === 415) {
      return sendError(reply, 415, {
        code: 'unsupported_media_type',
        message: 'Send the body as JSON with the header Content-Type: application/json.',
      });
    }
    if (err.statusCode === 429) {
      const retry = Number(reply.getHeader('retry-after')) || 60;
      return sendError(reply, 429, {
        code: 'too_many_requests',
        message: `Too many requests. Try again in ${retry} seconds.`,
        retryAfterSeconds: retry,
      });
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return sendError(reply, err.statusCode, { code: 'invalid_request', message: err.message });
    }
    if (['40P01', '40001'].includes(pgErrorCode(err) ?? '')) {
      req.log.warn({ err: { message: err.message } }, 'transaction conflict persisted after retries');
      return sendError(reply, 503, {
        code: 'unavailable',
        message:
          'The server is busy with the same records right now. Nothing was saved by this request; send it again.',
        retryAfterSeconds: 1,
      });
    }
    if (isDbUnavailable(err)) {
      req.log.warn(
        { err: { code: (err as { code?: string }).code, message: err.message } },
        'database unavailable',
      );
      return sendError(reply, 503, {
        code: 'unavailable',
        message:
          'The database is not reachable right now. Try again in a few seconds (the console does so by itself; a retried save never makes a duplicate).',
        retryAfterSeconds: 2,
      });
    }
    if (isResponseSerializationError(err))
      req.log.error({ err, issues: err.cause.issues }, 'response did not match its schema');
    else req.log.error({ err }, 'unhandled error');
    return sendError(reply, 500, {
      code: 'internal',
      message: `Something went wrong on the server. Try again; if it keeps happening, give your supervisor this reference: ${req.id}.`,
    });
  });
});
