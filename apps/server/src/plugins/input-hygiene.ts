import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { settleAuth } from './auth';
import { sendError } from './errors';

/** Deeper than any request Korgon takes; deeper input is refused rather than walked. */
const MAX_DEPTH = 32;

/** What the hygiene check refuses: a NUL character, or nesting deeper than any request Korgon takes. */
export interface InputProblem {
  path: string;
  kind: 'nul' | 'too_deep';
}

/**
 * The first place in `value` (named like `body.0.eventId`) holding a NUL character (U+0000) or nested deeper
 * than MAX_DEPTH, or null. PostgreSQL cannot store NUL in text or JSON, so such input would otherwise end in
 * a 500 deep in a query, which a PBX retries for ever; deeper input is refused rather than walked.
 */
export function inputProblem(value: unknown, path: string, depth = 0): InputProblem | null {
  if (typeof value === 'string') return value.includes('\u0000') ? { path, kind: 'nul' } : null;
  if (value === null || typeof value !== 'object') return null;
  if (depth > MAX_DEPTH) return { path, kind: 'too_deep' };
  for (const [k, v] of Object.entries(value)) {
    if (k.includes('\u0000')) return { path: `${path}.${k.replaceAll('\u0000', '\\u0000')}`, kind: 'nul' };
    const found = inputProblem(v, `${path}.${k}`, depth + 1);
    if (found) return found;
  }
  return null;
}

/** Where in `value` a NUL character hides, as a path like `body.0.eventId`, or null. */
export function nulPath(value: unknown, path: string): string | null {
  const found = inputProblem(value, path);
  return found?.kind === 'nul' ? found.path : null;
}

/**
 * Refuses input PostgreSQL cannot store before any route sees it: a NUL character in the path, the query
 * or the body, or nesting deeper than MAX_DEPTH, is a 400 naming the field. Runs before every route's own checks
 * (signatures included).
 */
export default fp(
  async (app: FastifyInstance) => {
    app.addHook('preValidation', async (req: FastifyRequest, reply: FastifyReply) => {
      for (const [where, value] of [
        ['params', req.params],
        ['query', req.query],
        ['body', req.body],
      ] as const) {
        const found = inputProblem(value, where);
        if (!found) continue;
        const at = found.path;
        // A route that checks its session itself has not yet: the guard's answer (401, 403) comes first.
        await settleAuth(req);
        // Named for what it is: deep nesting is not a NUL character (the fuzz test found that message).
        if (found.kind === 'too_deep')
          return sendError(reply, 400, {
            code: 'invalid_request',
            message: `The ${where === 'body' ? 'request body' : where} is nested more than ${MAX_DEPTH} levels deep at ${at}, deeper than any Korgon request. Send the fields the route documents.`,
            issues: [{ path: at, message: `must not be nested more than ${MAX_DEPTH} levels deep` }],
          });
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
