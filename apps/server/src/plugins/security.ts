import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';
import { sendError } from './errors';

export interface SecurityOptions {
  allowedOrigins: string[];
  secure: boolean;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** True when the request comes from one of our own origins, as browsers (and integrators) declare it. */
export function sameOrigin(
  headers: Record<string, string | string[] | undefined>,
  allowedOrigins: readonly string[],
): boolean {
  const origin = headers.origin;
  if (typeof origin === 'string' && origin !== 'null') return allowedOrigins.includes(origin);
  return headers['sec-fetch-site'] === 'same-origin';
}

/** The headers helmet sets with these options (they do not depend on the request). */
export function helmetHeaders(options: Readonly<HelmetOptions>): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader: () => undefined,
  };
  helmet(options)({} as IncomingMessage, res as unknown as ServerResponse, (err?: unknown) => {
    if (err) throw err;
  });
  return headers;
}

/**
 * helmet with a strict Content-Security-Policy; no-store on every authenticated response; cookie-authenticated
 * state changes only from our own origin (CSRF defence in depth on top of SameSite=strict).
 */
export default fp<SecurityOptions>(
  async (app: FastifyInstance, opts) => {
    const options: HelmetOptions = {
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          fontSrc: ["'self'"],
          connectSrc: ["'self'"],
          objectSrc: ["'none'"],
          baseUri: ["'none'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          ...(opts.secure ? { upgradeInsecureRequests: [] } : {}),
        },
      },
      hsts: opts.secure ? { maxAge: 31536000, includeSubDomains: true } : false,
      crossOriginEmbedderPolicy: false,
      referrerPolicy: { policy: 'no-referrer' },
    };
    // helmet's headers are the same for every request: worked out once per setting (@fastify/helmet built
    // them from the options again on every request), and set by one synchronous hook.
    const headers = helmetHeaders(options);
    const ownHeaders = new WeakMap<object, Record<string, string>>();
    const headersOf = (own: HelmetOptions | undefined) => {
      if (!own) return headers;
      let found = ownHeaders.get(own);
      if (!found) {
        found = helmetHeaders({ ...options, ...own } as HelmetOptions);
        ownHeaders.set(own, found);
      }
      return found;
    };
    app.addHook('onRequest', (req, reply, done) => {
      reply.headers(headersOf(req.routeOptions.config.helmet));
      done();
    });

    // Answered here rather than thrown, so that a context with its own error handler (the queue dashboard)
    // still answers Korgon's error body.
    app.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done: () => void) => {
      if (
        SAFE_METHODS.has(req.method) ||
        req.routeOptions.config.signed ||
        sameOrigin(req.headers, opts.allowedOrigins)
      )
        return done();
      sendError(reply, 403, {
        code: 'cross_origin',
        message: `This request was refused because it does not come from Korgon's own address. Send an Origin header with one of: ${opts.allowedOrigins.join(', ')}.`,
      });
    });

    app.addHook('onSend', (req, reply, payload, done) => {
      if (req.auth || req.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
      done(null, payload);
    });
  },
  { name: 'security' },
);
