import type { LoggerOptions } from 'pino';

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
  '*.callerNumber',
  '*.phone',
  '*.notes',
  'body.password',
  'body.callerNumber',
  'body[*].callerNumber',
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
