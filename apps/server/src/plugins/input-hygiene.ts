import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { settleAuth } from './auth';
import { sendError } from './errors';

/** Deeper than any request Korgon takes; deeper input is refused rather than walked. */
const MAX_DEPTH = 32;

/**
 * Where in `value` a NUL character (U+0000) hides, as a path like `body.0.eventId`, or null. PostgreSQL
 * cannot store NUL in text or JSON, so such input would otherwise end in a 500 deep in a query, which a PBX
 * retries for ever.
 */
export function nulPath(value: unknown, path: string, depth = 0): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (value === null || typeof value !== 'object') return null;
  if (depth > MAX_DEPTH) return path;
  for (const [k, v] of Object.entries(value)) {
    if (k.includes('\u0000')) return `${path}.${k.replaceAll('\u0000', '\\u0000')}`;
    const found = nulPath(v, `${path}.${k}`, depth + 1);
    if (found) return found;
  }
  return null;
}

/**
 * Refuses input PostgreSQL cannot store before any route sees it: a NUL character in the path, the query
 * or the body is a 400 naming the field. Runs before every route's own checks (signatures included).
 */
export default fp(
  async (app: FastifyInstance) => {
    app.addHook('preValidation', async (req: FastifyRequest, reply: FastifyReply) => {
      for (const [where, value] of [
        ['params', req.params],
        ['query', req.query],
        ['body', req.body],
      ] as const) {
        const at = nulPath(value, where);
        if (!at) continue;
        // A route that checks its session itself has not yet: the guard's answer (401, 403) comes first.
        await settleAuth(req);
        return sendError(reply, 400, {
          code: 'invalid_request',
          message: `${at} contains a NUL character (\\u0000), which Korgon does not accept. Remove it and send again.`,
          issues: [{ path: at, message: 'must not contain NUL characters (\\u0000)' }],
        });
      }
    });
  },
  { name: 'input-hygiene' },
);
