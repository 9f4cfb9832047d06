import { randomUUID } from 'node:crypto';
import { SECRET_REDACT_PATHS } from '@korgon/config';
import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import type { LoggerOptions } from 'pino';

/**
 * A request id the proxy sent (nginx's `$request_id`, 32 hex digits; infra/nginx/korgon.conf) is kept when it is
 * sane: 8 to 64 letters, digits, dots, dashes, underscores or colons, starting with a letter or digit. Anything
 * else (missing, repeated, too long, spaces, quotes, line breaks) is replaced by a fresh UUID, so a client can
 * neither forge log lines nor make one id unreadably long.
 */
const SANE_REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{7,63}$/;

export function requestIdOf(header: string | string[] | undefined): string {
  return typeof header === 'string' && SANE_REQUEST_ID.test(header) ? header : randomUUID();
}

/**
 * Paths redacted from every log line: auth material and anything a caller could be identified by.
 * Log ids, never content.
 */
export const REDACT_PATHS = [
  'req.headers.cookie',
  'req.headers.authorization',
  'req.headers["x-korgon-signature"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.passwordHash',
  '*.oneTimePassword',
  '*.currentPassword',
  '*.newPassword',
  '*.token',
  '*.secret',
  // The second factor: its codes (a recovery code is good until used), the otpauth URI holding the secret.
  'body.code',
  '*.recoveryCodes',
  '*.otpauthUri',
  '*.callerNumber',
  '*.phone',
  '*.notes',
  'body.password',
  'body.callerNumber',
  'body[*].callerNumber',
  // Key material (none is logged; should a configuration object ever be, its keys are hidden).
  ...SECRET_REDACT_PATHS,
];

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: {
      // Query strings can carry tokens (acknowledgement links); log the path only.
      req: (req: { method: string; url: string; id: string }) => ({
        method: req.method,
        url: req.url.split('?')[0],
        id: req.id,
      }),
    },
  };
}

/**
 * Fastify's two lines per request (incoming, completed) at debug rather than info, so that info says what
 * happened rather than every request; a request that failed is still logged at error, and Fastify's other
 * lines (error handler, not found, 503 while closing) are as they were.
 */
export class RequestsAtDebug extends LogController {
  override incomingRequest(request: FastifyRequest) {
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, _request: FastifyRequest, reply: FastifyReply) {
    if (error)
      reply.log.error({ res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
    else reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}
