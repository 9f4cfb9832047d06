import { type Db, writeAudit } from '@korgon/db';
import {
  type Me,
  needsSecondFactor,
  type PendingStep,
  permissionsOf,
  type SessionInfo,
  type SignInThrottle,
} from '@korgon/domain';
import { InvalidCredentialsError, TooManyRequestsError } from '../../errors';
import { hmacHex, randomToken } from '../../lib/crypto';
import { verifyPassword } from './passwords';
import type { AuthRepository, SessionUser } from './repository';
import type { SecondFactorRepository } from './second-factor-repository';

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

/** Who a pending session belongs to, with no permissions and the step still to come. */
export function toPendingMe(u: SessionUser, next: PendingStep): Me {
  return { ...u, permissions: [], next };
}

/** How long a session that still lacks the second factor lives (enough to set up an authenticator app). */
export const PENDING_MINUTES = 15;

export function createAuthService(
  repo: AuthRepository,
  secondFactorRepo: SecondFactorRepository,
  db: Db,
  settings: AuthSettings,
) {
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

  /** Which throttle counters a sign-in attempt on this account, from this origin, counts in and obeys. */
  const throttleOf = (username: string, userId: string | undefined, origin: LoginOrigin): ThrottleSet => {
    const ipHash = ipHashOf(origin.ip);
    const name = username.toLowerCase();
    const device = parseDevice(origin.device);
    // A device this account signed in on before (its cookie is signed, and names the account by a keyed
    // tag): it has its own counter and is spared the locks strangers' failures set on the account or address.
    const known = Boolean(userId && device?.tags.includes(accountTagOf(userId)));
    const own: Throttled =
      known && device && userId
        ? {
            key: `device:${hmacHex(settings.sessionSecret, `device:${device.id}:${userId}`).slice(0, 32)}`,
            scope: 'device',
            limit: THROTTLE.account,
          }
        : { key: `user:${name}@ip:${ipHash}`, scope: 'account_address', limit: THROTTLE.account };
    const counted: Throttled[] = [
      own,
      { key: `ip:${ipHash}`, scope: 'address', limit: THROTTLE.address },
      { key: `user:${name}`, scope: 'account', limit: THROTTLE.accountCeiling },
    ];
    return { own, counted, applies: known ? [own] : counted, known };
  };

  /** Throws the 429 (audited) when a counter this attempt obeys is locked. */
  const refuseIfLocked = async (t: ThrottleSet, userId: string | null, ipHash: string) => {
    const locked = await repo.longestLock(t.applies.map((c) => c.key));
    if (!locked) return;
    const scope = scopeOf(t.applies, locked.key);
    await writeAudit(db, {
      action: 'auth.login_failed',
      targetType: userId ? 'user' : null,
      targetId: userId,
      ipHash,
      details: { reason: 'throttled', throttle: scope, knownDevice: t.known },
    });
    throw tooMany(locked.seconds, scope);
  };

  /** Counts a failed attempt everywhere it counts (audited); throws the 429 when that locks this caller out. */
  const countFailure = async (t: ThrottleSet, userId: string | null, ipHash: string, reason: string) => {
    let lock: { seconds: number; scope: SignInThrottle } | undefined;
    for (const c of t.counted) {
      const { max, windowSeconds, lockSeconds, maxLockSeconds } = c.limit;
      const seconds = await repo.recordFailure(c.key, max, windowSeconds, lockSeconds, maxLockSeconds);
      // Only the limits that apply to this caller answer it (a known device ignores the others).
      if (seconds > 0 && t.applies.includes(c) && seconds > (lock?.seconds ?? 0))
        lock = { seconds, scope: c.scope };
    }
    await writeAudit(db, {
      action: 'auth.login_failed',
      targetType: userId ? 'user' : null,
      targetId: userId,
      ipHash,
      details: lock
        ? { reason, knownDevice: t.known, lockedOut: lock.scope, lockSeconds: lock.seconds }
        : { reason, knownDevice: t.known },
    });
    if (lock) throw tooMany(lock.seconds, lock.scope);
  };

  /** The device cookie's new value: this account first among the ones signed in on this browser. */
  const deviceValueOf = (userId: string, current: string | null | undefined) => {
    const device = parseDevice(current);
    const tag = accountTagOf(userId);
    return `${device?.id ?? randomToken(24)}:${[tag, ...(device?.tags.filter((x) => x !== tag) ?? [])].slice(0, DEVICE_ACCOUNTS).join(',')}`;
  };

  return {
    sessionIdOf,
    ipHashOf,

    async login(username: string, password: string, origin: LoginOrigin) {
      const ipHash = ipHashOf(origin.ip);
      const user = await repo.findUserForLogin(username);
      const t = throttleOf(username, user?.id, origin);
      await refuseIfLocked(t, user?.id ?? null, ipHash);
      const ok = await verifyPassword(user?.passwordHash ?? null, password);
      // A wall display's account pairs with a one-time code (POST /api/wall/pair), never with a password.
      const wall = user?.role === 'wall';
      if (!user || !ok || !user.active || wall) {
        const reason = !user ? 'unknown_user' : wall ? 'wall_display' : !ok ? 'wrong_password' : 'inactive';
        await countFailure(t, user?.id ?? null, ipHash, reason);
        throw new InvalidCredentialsError();
      }
      // The account-wide counter is not cleared: strangers' failures elsewhere still slow new devices down.
      await repo.clearFailures(t.own.key);
      // The second factor (docs/security.md "Second factor"): the password alone opens a pending session.
      const factor = await secondFactorRepo.totpOf(user.id);
      const enrolled = Boolean(factor?.enrolledAt);
      const required =
        enrolled || needsSecondFactor(user.role, (await secondFactorRepo.operatorsPolicy()).operators);
      const pendingStep: PendingStep | null = required ? (enrolled ? 'totp' : 'enrol') : null;
      const token = randomToken();
      const sessionId = sessionIdOf(token);
      const expiresAt = new Date(
        Date.now() + (pendingStep ? PENDING_MINUTES * 60_000 : settings.ttlHours * 3600_000),
      );
      await repo.createSession({
        id: sessionId,
        userId: user.id,
        expiresAt,
        userAgent: origin.userAgent?.slice(0, 300) ?? null,
        pendingStep,
      });
      await writeAudit(db, {
        action: 'auth.login',
        actorId: user.id,
        actorRole: user.role,
        targetType: 'session',
        targetId: sessionId.slice(0, 16),
        ipHash,
        ...(pendingStep ? { details: { pending: pendingStep } } : {}),
      });
      const { passwordHash: _h, active: _a, ...sessionUser } = user;
      return {
        token,
        sessionId,
        expiresAt,
        me: pendingStep ? toPendingMe(sessionUser, pendingStep) : toMe(sessionUser),
        // The browser becomes a known device of the account only once the second factor is done too.
        device: pendingStep ? null : deviceValueOf(user.id, origin.device),
      };
    },

    /** The sign-in throttle, for the second factor's codes (counted exactly as wrong passwords). */
    throttle: {
      of: throttleOf,
      refuseIfLocked,
      countFailure,
      clear: (t: ThrottleSet) => repo.clearFailures(t.own.key),
      ipHashOf,
      deviceValueOf,
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

/** The counters one attempt counts in (`counted`) and obeys (`applies`: only its own on a known device). */
export interface ThrottleSet {
  own: Throttled;
  counted: Throttled[];
  applies: Throttled[];
  known: boolean;
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
