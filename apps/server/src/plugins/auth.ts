import cookie from '@fastify/cookie';
import { can, type Permission } from '@korgon/domain';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AppError, ForbiddenError, UnauthenticatedError } from '../errors';
import { createAuthRepository, type SessionUser } from '../features/auth/repository';
import { type AuthService, createAuthService } from '../features/auth/service';

export interface AuthContext {
  sessionId: string;
  user: SessionUser;
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthContext | null;
  }
  interface FastifyInstance {
    auth: AuthService;
    sessionCookie: { name: string; secure: boolean; maxAgeSeconds: number };
  }
  interface FastifyContextConfig {
    /** Open to anyone (sign-in, health, docs, the console's files). */
    public?: boolean;
    /** Authenticated by a request signature instead of a session (the PBX, partners' systems). */
    signed?: boolean;
    /** The permission a session needs; every non-public route names one. */
    permission?: Permission;
  }
}

export interface AuthPluginOptions {
  sessionSecret: string;
  ttlHours: number;
  idleMinutes: number;
  secureCookies: boolean;
}

/** The session of a guarded route's request (the guard has already refused requests without one). */
export function authOf(req: FastifyRequest): AuthContext {
  if (!req.auth) throw new UnauthenticatedError();
  return req.auth;
}

/** Paths that are not ours to guard: the docs UI's static files and the console bundle. */
function isApiPath(url: string): boolean {
  return url.startsWith('/api/') && !url.startsWith('/api/docs');
}

/**
 * What a user signed in with a one-time password may still do until they change it: read who they are, change
 * the password, pick the console language, sign out. Everything else answers 403 `password_change_required`.
 */
const WHILE_PASSWORD_MUST_CHANGE = new Set([
  'GET /api/auth/me',
  'POST /api/me/password',
  'PATCH /api/me',
  'POST /api/auth/logout',
]);

export class PasswordChangeRequiredError extends AppError {
  constructor() {
    super(
      403,
      'password_change_required',
      'You signed in with a one-time password. Choose your own password first (POST /api/me/password), then try again.',
    );
  }
}

/**
 * The one guard. Every /api route must say it is public, signed, or which permission it needs — a route
 * that says none of these refuses to register, so nothing is left open by accident.
 */
export default fp<AuthPluginOptions>(
  async (app: FastifyInstance, opts) => {
    await app.register(cookie);
    const name = opts.secureCookies ? '__Host-korgon_session' : 'korgon_session';
    app.decorate('sessionCookie', {
      name,
      secure: opts.secureCookies,
      maxAgeSeconds: Math.round(opts.ttlHours * 3600),
    });
    app.decorate('auth', createAuthService(createAuthRepository(app.db), app.db, opts));
    app.decorateRequest('auth', null);

    app.addHook('onRoute', (route) => {
      const cfg = (route.config ?? {}) as { public?: boolean; signed?: boolean; permission?: Permission };
      if (isApiPath(route.url) && !cfg.public && !cfg.signed && !cfg.permission) {
        throw new Error(
          `route ${route.method} ${route.url} must declare config.public, config.signed or config.permission`,
        );
      }
    });

    app.addHook('onRequest', async (req: FastifyRequest) => {
      const cfg = req.routeOptions.config;
      const token = req.cookies[name];
      if (token) {
        const found = await app.auth.authenticate(token);
        if (found) req.auth = found;
      }
      if (cfg.public || cfg.signed || !req.routeOptions.url) return;
      if (!isApiPath(req.routeOptions.url) && !cfg.permission) return;
      if (!req.auth) throw new UnauthenticatedError();
      if (
        req.auth.user.mustChangePassword &&
        !WHILE_PASSWORD_MUST_CHANGE.has(`${req.method} ${req.routeOptions.url}`)
      ) {
        throw new PasswordChangeRequiredError();
      }
      if (cfg.permission && !can(req.auth.user.role, cfg.permission)) {
        throw new ForbiddenError(
          `Your role (${req.auth.user.role}) does not allow this: it needs "${cfg.permission}".`,
        );
      }
    });
  },
  { name: 'auth', dependencies: ['db'] },
);
