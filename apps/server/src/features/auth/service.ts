import { type Db, writeAudit } from '@korgon/db';
import { type Me, permissionsOf, type SessionInfo } from '@korgon/domain';
import { InvalidCredentialsError, TooManyRequestsError } from '../../errors';
import { hmacHex, randomToken } from '../../lib/crypto';
import { verifyPassword } from './passwords';
import type { AuthRepository, SessionUser } from './repository';

/** Failed sign-ins: 5 per account or 20 per address within 15 minutes lock that key for 15 minutes (doubling). */
export const THROTTLE = {
  account: { max: 5, windowSeconds: 15 * 60, lockSeconds: 15 * 60 },
  address: { max: 20, windowSeconds: 15 * 60, lockSeconds: 15 * 60 },
} as const;

export interface AuthSettings {
  sessionSecret: string;
  ttlHours: number;
  idleMinutes: number;
}

export interface RequestOrigin {
  ip: string;
  userAgent: string | null;
}

export function toSessionInfo(
  s: { id: string; createdAt: Date; lastSeenAt: Date; expiresAt: Date; userAgent: string | null },
  currentSessionId: string,
): SessionInfo {
  return {
    id: s.id,
    createdAt: s.createdAt.toISOString(),
    lastSeenAt: s.lastSeenAt.toISOString(),
    expiresAt: s.expiresAt.toISOString(),
    userAgent: s.userAgent,
    current: s.id === currentSessionId,
  };
}

export function toMe(u: SessionUser): Me {
  return { ...u, permissions: permissionsOf(u.role) };
}

export function createAuthService(repo: AuthRepository, db: Db, settings: AuthSettings) {
  const sessionIdOf = (token: string) => hmacHex(settings.sessionSecret, `session:${token}`);
  const ipHashOf = (ip: string) => hmacHex(settings.sessionSecret, `ip:${ip}`).slice(0, 32);

  const seen = (id: string, lastSeenAt: Date) => {
    if (Date.now() - lastSeenAt.getTime() > 60_000) void repo.touchSession(id).catch(() => undefined);
  };
  const authenticateSession = async (id: string) => {
    const found = await repo.findLiveSession(id, settings.idleMinutes);
    if (!found) return undefined;
    seen(id, found.lastSeenAt);
    return { sessionId: id, user: found.user };
  };

  return {
    sessionIdOf,
    ipHashOf,

    async login(username: string, password: string, origin: RequestOrigin) {
      const ipHash = ipHashOf(origin.ip);
      const accountKey = `user:${username.toLowerCase()}`;
      const addressKey = `ip:${ipHash}`;
      const locked = await repo.lockedFor([accountKey, addressKey]);
      const user = await repo.findUserForLogin(username);
      if (locked > 0) {
        await writeAudit(db, {
          action: 'auth.login_failed',
          targetType: user ? 'user' : null,
          targetId: user?.id ?? null,
          ipHash,
          details: { reason: 'throttled' },
        });
        throw tooMany(locked);
      }
      const ok = await verifyPassword(user?.passwordHash ?? null, password);
      // A wall display's account pairs with a one-time code (POST /api/wall/pair), never with a password.
      const wall = user?.role === 'wall';
      if (!user || !ok || !user.active || wall) {
        const reason = !user ? 'unknown_user' : wall ? 'wall_display' : !ok ? 'wrong_password' : 'inactive';
        const lockAccount = await repo.recordFailure(
          accountKey,
          THROTTLE.account.max,
          THROTTLE.account.windowSeconds,
          THROTTLE.account.lockSeconds,
        );
        const lockAddress = await repo.recordFailure(
          addressKey,
          THROTTLE.address.max,
          THROTTLE.address.windowSeconds,
          THROTTLE.address.lockSeconds,
        );
        await writeAudit(db, {
          action: 'auth.login_failed',
          targetType: user ? 'user' : null,
          targetId: user?.id ?? null,
          ipHash,
          details: { reason },
        });
        const lock = Math.max(lockAccount, lockAddress);
        if (lock > 0) throw tooMany(lock);
        throw new InvalidCredentialsError();
      }
      await repo.clearFailures(accountKey);
      const token = randomToken();
      const sessionId = sessionIdOf(token);
      const expiresAt = new Date(Date.now() + settings.ttlHours * 3600_000);
      await repo.createSession({
        id: sessionId,
        userId: user.id,
        expiresAt,
        userAgent: origin.userAgent?.slice(0, 300) ?? null,
      });
      await writeAudit(db, {
        action: 'auth.login',
        actorId: user.id,
        actorRole: user.role,
        targetType: 'session',
        targetId: sessionId.slice(0, 16),
        ipHash,
      });
      const { passwordHash: _h, active: _a, ...sessionUser } = user;
      return { token, sessionId, expiresAt, me: toMe(sessionUser) };
    },

    /**
     * Resolves a cookie token to its live session (read from PostgreSQL on every call: a session ended or a
     * user deactivated stops working at once); refreshes last-seen at most once a minute. The refresh is not
     * waited for: it only moves the idle limit on, so the request need not wait for its commit (a refresh
     * that fails is tried again at the next request).
     */
    authenticate: (token: string) => authenticateSession(sessionIdOf(token)),

    /** `authenticate` for a session id (the hash of its token). */
    authenticateSession,

    /** A request of this live session was let through: refreshes last-seen if it is a minute old (not waited for). */
    seen,

    /** Minutes without a request after which a session has ended. */
    idleMinutes: settings.idleMinutes,

    /** Which of these sessions are still live (not ended, expired or idle, user active); touches none. */
    liveSessions: (ids: readonly string[]) => repo.liveSessionIds(ids, settings.idleMinutes),

    /** The user as a session would see them (for actions taken on their behalf, e.g. presence). */
    userById: (userId: string) => repo.getUser(userId),

    async logout(sessionId: string, user: SessionUser, ip: string) {
      await repo.endSession(sessionId, 'logout');
      await writeAudit(db, {
        action: 'auth.logout',
        actorId: user.id,
        actorRole: user.role,
        targetType: 'session',
        targetId: sessionId.slice(0, 16),
        ipHash: ipHashOf(ip),
      });
    },
  };
}
export type AuthService = ReturnType<typeof createAuthService>;

function tooMany(seconds: number) {
  const minutes = Math.ceil(seconds / 60);
  return new TooManyRequestsError(
    `Too many failed sign-ins. Wait ${minutes} minute${minutes === 1 ? '' : 's'} and try again, or ask an administrator to help.`,
    seconds,
  );
}
