import { type Db, writeAudit } from '@korgon/db';
import { type Me, permissionsOf, type SessionInfo, type SignInThrottle } from '@korgon/domain';
import { InvalidCredentialsError, TooManyRequestsError } from '../../errors';
import { hmacHex, randomToken } from '../../lib/crypto';
import { verifyPassword } from './passwords';
import type { AuthRepository, SessionUser } from './repository';

/**
 * Failed sign-ins. A stranger must not be able to lock staff out, so no limit on an account alone locks its
 * owner out:
 * - `account`: 5 failures on one account from one address (or from one known device) within 15 minutes lock
 *   that pair for 15 minutes, doubling; the owner elsewhere, or on a device she signed in on before, is not
 *   affected.
 * - `address`: 20 failures from one address on any accounts lock that address (known devices excepted).
 * - `accountCeiling`: 10 failures on one account from everywhere within 15 minutes (many addresses: a spread
 *   attack) only slow it down for devices it has never signed in on: 1 minute, doubling, at most 5 minutes.
 */
export const THROTTLE = {
  account: { max: 5, windowSeconds: 15 * 60, lockSeconds: 15 * 60, maxLockSeconds: 24 * 3600 },
  address: { max: 20, windowSeconds: 15 * 60, lockSeconds: 15 * 60, maxLockSeconds: 24 * 3600 },
  accountCeiling: { max: 10, windowSeconds: 15 * 60, lockSeconds: 60, maxLockSeconds: 5 * 60 },
} as const;

/** How many accounts one browser remembers as signed in on it (a shared desk in shifts). */
const DEVICE_ACCOUNTS = 5;

export interface AuthSettings {
  sessionSecret: string;
  ttlHours: number;
  idleMinutes: number;
}

export interface RequestOrigin {
  ip: string;
  userAgent: string | null;
}

export interface LoginOrigin extends RequestOrigin {
  /** The value of the device cookie, its signature already checked; null without a valid one. */
  device?: string | null;
}

/** The device cookie's value: `<random device id>:<tag of an account>,<tag>…`, latest account first. */
function parseDevice(value: string | null | undefined): { id: string; tags: string[] } | undefined {
  const m = value ? /^([A-Za-z0-9_-]{16,64}):([0-9a-f]{20}(?:,[0-9a-f]{20}){0,9})$/.exec(value) : null;
  return m?.[1] && m[2] ? { id: m[1], tags: m[2].split(',') } : undefined;
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
  /** Names an account in a device cookie without giving away who it is. */
  const accountTagOf = (userId: string) =>
    hmacHex(settings.sessionSecret, `device-account:${userId}`).slice(0, 20);

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

    async login(username: string, password: string, origin: LoginOrigin) {
      const ipHash = ipHashOf(origin.ip);
      const name = username.toLowerCase();
      const user = await repo.findUserForLogin(username);
      const device = parseDevice(origin.device);
      // A device this account signed in on before (its cookie is signed, and names the account by a keyed
      // tag): it has its own counter and is spared the locks strangers' failures set on the account or address.
      const known = user && device?.tags.includes(accountTagOf(user.id));
      const own: Throttled =
        known && device
          ? {
              key: `device:${hmacHex(settings.sessionSecret, `device:${device.id}:${user.id}`).slice(0, 32)}`,
              scope: 'device',
              limit: THROTTLE.account,
            }
          : { key: `user:${name}@ip:${ipHash}`, scope: 'account_address', limit: THROTTLE.account };
      const counted: Throttled[] = [
        own,
        { key: `ip:${ipHash}`, scope: 'address', limit: THROTTLE.address },
        { key: `user:${name}`, scope: 'account', limit: THROTTLE.accountCeiling },
      ];
      const applies = known ? [own] : counted;
      const locked = await repo.longestLock(applies.map((c) => c.key));
      if (locked) {
        const scope = scopeOf(applies, locked.key);
        await writeAudit(db, {
          action: 'auth.login_failed',
          targetType: user ? 'user' : null,
          targetId: user?.id ?? null,
          ipHash,
          details: { reason: 'throttled', throttle: scope, knownDevice: Boolean(known) },
        });
        throw tooMany(locked.seconds, scope);
      }
      const ok = await verifyPassword(user?.passwordHash ?? null, password);
      // A wall display's account pairs with a one-time code (POST /api/wall/pair), never with a password.
      const wall = user?.role === 'wall';
      if (!user || !ok || !user.active || wall) {
        const reason = !user ? 'unknown_user' : wall ? 'wall_display' : !ok ? 'wrong_password' : 'inactive';
        let lock: { seconds: number; scope: SignInThrottle } | undefined;
        for (const c of counted) {
          const { max, windowSeconds, lockSeconds, maxLockSeconds } = c.limit;
          const seconds = await repo.recordFailure(c.key, max, windowSeconds, lockSeconds, maxLockSeconds);
          // Only the limits that apply to this caller answer it (a known device ignores the others).
          if (seconds > 0 && applies.includes(c) && seconds > (lock?.seconds ?? 0))
            lock = { seconds, scope: c.scope };
        }
        await writeAudit(db, {
          action: 'auth.login_failed',
          targetType: user ? 'user' : null,
          targetId: user?.id ?? null,
          ipHash,
          details: lock
            ? { reason, knownDevice: Boolean(known), lockedOut: lock.scope, lockSeconds: lock.seconds }
            : { reason, knownDevice: Boolean(known) },
        });
        if (lock) throw tooMany(lock.seconds, lock.scope);
        throw new InvalidCredentialsError();
      }
      // The account-wide counter is not cleared: strangers' failures elsewhere still slow new devices down.
      await repo.clearFailures(own.key);
      const tag = accountTagOf(user.id);
      const deviceValue = `${device?.id ?? randomToken(24)}:${[tag, ...(device?.tags.filter((x) => x !== tag) ?? [])].slice(0, DEVICE_ACCOUNTS).join(',')}`;
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
      return { token, sessionId, expiresAt, me: toMe(sessionUser), device: deviceValue };
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

interface Throttled {
  key: string;
  scope: SignInThrottle;
  limit: (typeof THROTTLE)[keyof typeof THROTTLE];
}

function scopeOf(throttled: Throttled[], key: string): SignInThrottle {
  return throttled.find((c) => c.key === key)?.scope ?? 'account_address';
}

/** How long, and why: the console shows its own words for `throttle`, other clients this message. */
function tooMany(seconds: number, scope: SignInThrottle) {
  const minutes = Math.ceil(seconds / 60);
  const wait = `${minutes} minute${minutes === 1 ? '' : 's'}`;
  const known = 'A device you have signed in on before is not affected.';
  const message = {
    account_address: `Too many failed sign-ins to this account from this address: signing in to it from here is paused for ${wait}. ${known} An administrator can also reset the password.`,
    device: `Too many failed sign-ins to this account on this device: signing in to it here is paused for ${wait}. An administrator can also reset the password.`,
    address: `Too many failed sign-ins from this address: signing in from here is paused for ${wait}. ${known}`,
    account: `Many failed sign-ins to this account from several places: signing in to it from a new device is slowed down for ${wait}. ${known}`,
  }[scope];
  return new TooManyRequestsError(message, seconds, scope);
}
