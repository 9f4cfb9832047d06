import { ErrorBody } from '@korgon/domain';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

type RouteShape = Pick<RouteOptions, 'method' | 'url'> & {
  config?: { public?: boolean; signed?: boolean; permission?: string; rateLimit?: unknown };
};

/**
 * The error statuses the shared plugins may answer on a route before (or instead of) its handler, so that
 * every route's OpenAPI entry names them without each route repeating them:
 * - 400: a NUL character or too deep nesting anywhere (input-hygiene), invalid JSON, a failed validation;
 * - 401, 403: the session guard (no session, the role lacks the permission, a password to change first);
 * - 403: a state-changing request from another origin (security), unless the route is signed instead;
 * - 413, 415: a body too large, or not JSON;
 * - 429: the route's own rate limit;
 * - 500, 503: the error handler (a bug; PostgreSQL away or a conflict that persisted).
 */
export function sharedStatuses(route: RouteShape): number[] {
  const methods = [route.method].flat().map((m) => m.toUpperCase());
  const cfg = route.config ?? {};
  const out = new Set([400, 500, 503]);
  const api = route.url.startsWith('/api/') && !route.url.startsWith('/api/docs');
  if (!cfg.public && !cfg.signed && (api || cfg.permission)) {
    out.add(401);
    out.add(403);
  }
  if (!cfg.signed && methods.some((m) => !SAFE_METHODS.has(m))) out.add(403);
  if (methods.some((m) => BODY_METHODS.has(m))) {
    out.add(413);
    out.add(415);
  }
  if (cfg.rateLimit) out.add(429);
  return [...out].sort((a, b) => a - b);
}

/** Whether `status` is one of a response map's keys, exactly or through `4xx`, `5xx` or `default`. */
export function isDeclared(response: Record<string, unknown>, status: number): boolean {
  return (
    Object.hasOwn(response, String(status)) ||
    Object.hasOwn(response, `${Math.floor(status / 100)}xx`) ||
    Object.hasOwn(response, `${Math.floor(status / 100)}XX`) ||
    Object.hasOwn(response, 'default')
  );
}

export interface UndeclaredStatus {
  method: string;
  route: string;
  status: number;
  declared: string[];
}

/**
 * Every status a route answers is declared in its `schema.response`, so the OpenAPI document tells clients
 * the truth. Always: the shared statuses (above) are added to each route that documents its responses. With
 * `strict` (the test app, never production): an answer whose status its route does not declare is replaced by
 * a 500 `undeclared_status`, and reported, so the test that met it fails where it happened.
 */
export default fp(
  async (app: FastifyInstance, opts: { strict?: boolean; report?: (u: UndeclaredStatus) => void }) => {
    app.addHook('onRoute', (route) => {
      const schema = route.schema as { response?: Record<string, unknown>; hide?: boolean } | undefined;
      if (!schema?.response) return;
      const missing = sharedStatuses(route).filter((s) => !Object.hasOwn(schema.response ?? {}, String(s)));
      if (missing.length === 0) return;
      route.schema = {
        ...schema,
        response: { ...schema.response, ...Object.fromEntries(missing.map((s) => [s, ErrorBody])) },
      };
    });

    if (!opts.strict) return;
    app.addHook('onSend', async (req: FastifyRequest, reply: FastifyReply, payload: unknown) => {
      const response = reply.routeOptions.schema?.response as Record<string, unknown> | undefined;
      const route = reply.routeOptions.url;
      if (!response || !route || isDeclared(response, reply.statusCode)) return payload;
      const undeclared: UndeclaredStatus = {
        method: req.method,
        route,
        status: reply.statusCode,
        declared: Object.keys(response),
      };
      req.log.error(undeclared, 'the route answered a status its schema.response does not declare');
      opts.report?.(undeclared);
      // A file being streamed is dropped with the answer it was part of.
      (payload as { destroy?: () => void } | null)?.destroy?.();
      reply.code(500).type('application/json; charset=utf-8').removeHeader('content-length');
      return JSON.stringify({
        error: 'undeclared_status',
        code: 'undeclared_status',
        message: `${req.method} ${route} answered ${undeclared.status}, which its schema.response does not declare (it declares ${undeclared.declared.join(', ')}). Declare it in the route's schema.`,
        ...undeclared,
        body: typeof payload === 'string' ? payload.slice(0, 500) : undefined,
      });
    });
  },
  { name: 'declared-statuses' },
);
