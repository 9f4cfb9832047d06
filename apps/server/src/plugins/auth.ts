import cookie from '@fastify/cookie';
import { can, type PendingStep, type Permission, ROLES, type Role } from '@korgon/domain';
import { notesKeyringOf, type OlderSealKey } from '@korgon/signing';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AppError, ForbiddenError, UnauthenticatedError } from '../errors';
import { createAuthRepository, type SessionUser } from '../features/auth/repository';
import { createSecondFactorRepository } from '../features/auth/second-factor-repository';
import { createSecondFactorService, type SecondFactorService } from '../features/auth/second-factor-service';
import { type AuthService, createAuthService } from '../features/auth/service';
import { hmacHex } from '../lib/crypto';

export interface AuthContext {
  sessionId: string;
  user: SessionUser;
  /**
   * Set on a session that still lacks the second factor: it reaches only the routes of WHILE_PENDING (the
   * guard treats it as no session anywhere else).
   */
  pending?: PendingStep;
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthContext | null;
    /**
     * On a route that checks the session in its own statement: the cookie's session id until it is checked
     * (by that statement, or by `settleAuth`); null otherwise.
     */
    uncheckedSessionId: string | null;
  }
  interface FastifyInstance {
    auth: AuthService;
    secondFactor: SecondFactorService;
    sessionCookie: { name: string; secure: boolean; maxAgeSeconds: number };
  }
  interface FastifyContextConfig {
    /** Open to anyone (sign-in, health, docs, the console's files). */
    public?: boolean;
    /** Authenticated by a request signature instead of a session (the PBX, partners' systems). */
    signed?: boolean;
    /** The permission a session needs; every non-public route names one. */
    permission?: Permission;
    /**
     * The route checks the session in the same statement as its work (the autosave: one round trip to
     * PostgreSQL instead of two), with `sessionCheck`: the guard reads no session for it. Whenever that
     * statement does not vouch for the session, and before any other answer (a 400 included), `settleAuth`
     * checks it as the guard does, so the answers are the guard's (401 before 400, 403 …).
     */
    checksSessionItself?: boolean;
  }
}

export interface AuthPluginOptions {
  sessionSecret: string;
  ttlHours: number;
  idleMinutes: number;
  secureCookies: boolean;
  /** Seals the second factor's secrets (the notes key, record id = the user's id). */
  notesKey: string;
  notesKeyVersion: number;
  /** The older notes keys still read (docs/security.md "Key rotation"). */
  notesKeysOld?: readonly OlderSealKey[];
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

/**
 * What a session still lacking the second factor may do: read who it is (and which step is next), the
 * second factor's own steps, sign out. Anywhere else it is no session at all (401), and sockets refuse it.
 */
export const WHILE_PENDING = new Set([
  'GET /api/auth/me',
  'POST /api/auth/logout',
  'POST /api/auth/second-factor/verify',
  'POST /api/auth/second-factor/enrol',
  'POST /api/auth/second-factor/enrol/confirm',
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

/** The guard's checks of a request whose session (if any) has been read into `req.auth`. */
function guard(req: FastifyRequest): void {
  const cfg = req.routeOptions.config;
  if (cfg.public || cfg.signed || !req.routeOptions.url) return;
  if (!isApiPath(req.routeOptions.url) && !cfg.permission) return;
  if (!req.auth) throw new UnauthenticatedError();
  // Only WHILE_PENDING routes ever see a pending session (onRequest); the belt to those braces.
  if (req.auth.pending && !WHILE_PENDING.has(`${req.method} ${req.routeOptions.url}`))
    throw new UnauthenticatedError();
  if (
    !req.auth.pending &&
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
}

const rolesWith = new Map<Permission, Role[]>();

/**
 * What a route with `checksSessionItself` puts in its statement, or null when the session is checked
 * already (or there is none to check): the session id, the idle limit, and the roles the guard would let
 * through (the route's permission, and never a user who must change a one-time password first).
 */
export function sessionCheck(
  req: FastifyRequest,
): { sessionId: string; idleMinutes: number; roles: Role[] } | null {
  const sessionId = req.uncheckedSessionId;
  const permission = req.routeOptions.config.permission;
  if (!sessionId || !permission) return null;
  let roles = rolesWith.get(permission);
  if (!roles) {
    roles = ROLES.filter((r) => can(r, permission));
    rolesWith.set(permission, roles);
  }
  return { sessionId, idleMinutes: req.server.auth.idleMinutes, roles };
}

/** The route's statement found the session live and allowed (see `sessionCheck`): it is the request's. */
export function sessionChecked(req: FastifyRequest, user: SessionUser, lastSeenAt: Date): void {
  const sessionId = req.uncheckedSessionId;
  if (!sessionId) return;
  req.uncheckedSessionId = null;
  req.auth = { sessionId, user };
  req.server.auth.seen(sessionId, lastSeenAt);
}

/**
 * Checks a session the route's statement did not vouch for, exactly as the guard does (throws its 401/403);
 * does nothing when the guard or the statement has checked it already.
 */
export async function settleAuth(req: FastifyRequest): Promise<void> {
  const sessionId = req.uncheckedSessionId;
  if (!sessionId) return;
  req.uncheckedSessionId = null;
  const found = await req.server.auth.authenticateSession(sessionId);
  if (found) req.auth = found;
  guard(req);
}

/**
 * The one guard. Every /api route must say it is public, signed, or which permission it needs — a route
 * that says none of these refuses to register, so nothing is left open by accident.
 */
export default fp<AuthPluginOptions>(
  async (app: FastifyInstance, opts) => {
    // Signs the device cookie (a known device is spared strangers' sign-in locks); a key of its own, derived.
    await app.register(cookie, { secret: hmacHex(opts.sessionSecret, 'cookie-signing') });
    const name = opts.secureCookies ? '__Host-korgon_session' : 'korgon_session';
    app.decorate('sessionCookie', {
      name,
      secure: opts.secureCookies,
      maxAgeSeconds: Math.round(opts.ttlHours * 3600),
    });
    const secondFactorRepo = createSecondFactorRepository(app.db);
    app.decorate('auth', createAuthService(createAuthRepository(app.db), secondFactorRepo, app.db, opts));
    app.decorate(
      'secondFactor',
      createSecondFactorService(app.db, app.auth, {
        sealKey: notesKeyringOf(opts),
        ttlHours: opts.ttlHours,
      }),
    );
    app.decorateRequest('auth', null);
    app.decorateRequest('uncheckedSessionId', null);

    app.addHook('onRoute', (route) => {
      const cfg = (route.config ?? {}) as { public?: boolean; signed?: boolean; permission?: Permission };
      if (isApiPath(route.url) && !cfg.public && !cfg.signed && !cfg.permission) {
        throw new Error(
          `route ${route.method} ${route.url} must declare config.public, config.signed or config.permission`,
        );
      }
      if ((cfg as { checksSessionItself?: boolean }).checksSessionItself && !cfg.permission)
        throw new Error(
          `route ${route.method} ${route.url} checks its session itself: it must name a permission`,
        );
    });

    app.addHook('onRequest', async (req: FastifyRequest) => {
      const token = req.cookies[name];
      if (token) {
        if (req.routeOptions.config.checksSessionItself) {
          // Checked in the route's own statement, or by settleAuth before any other answer.
          req.uncheckedSessionId = app.auth.sessionIdOf(token);
          return;
        }
        const found = await app.auth.authenticate(token);
        if (found) req.auth = found;
        else if (WHILE_PENDING.has(`${req.method} ${req.routeOptions.url}`)) {
          // A session still lacking the second factor: seen by its own few routes only.
          const pending = await secondFactorRepo.findPendingSession(
            app.auth.sessionIdOf(token),
            opts.idleMinutes,
          );
          if (pending)
            req.auth = {
              sessionId: app.auth.sessionIdOf(token),
              user: { ...pending.user, locale: pending.user.locale as SessionUser['locale'] },
              pending: pending.pendingStep,
            };
        }
      }
      guard(req);
    });
  },
  { name: 'auth', dependencies: ['db'] },
);
