import helmet from '@fastify/helmet';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
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

/**
 * helmet with a strict Content-Security-Policy; no-store on every authenticated response; cookie-authenticated
 * state changes only from our own origin (CSRF defence in depth on top of SameSite=strict).
 */
export default fp<SecurityOptions>(
  async (app: FastifyInstance, opts) => {
    await app.register(helmet, {
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
    });

    // Answered here rather than thrown, so that a context with its own error handler (the queue dashboard)
    // still answers Korgon's error body.
    app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
      if (SAFE_METHODS.has(req.method) || req.routeOptions.config.signed) return;
      if (!sameOrigin(req.headers, opts.allowedOrigins)) {
        return sendError(reply, 403, {
          code: 'cross_origin',
          message: `This request was refused because it does not come from Korgon's own address. Send an Origin header with one of: ${opts.allowedOrigins.join(', ')}.`,
        });
      }
    });

    app.addHook('onSend', async (req, reply, payload) => {
      if (req.auth || req.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
      return payload;
    });
  },
  { name: 'security' },
);
