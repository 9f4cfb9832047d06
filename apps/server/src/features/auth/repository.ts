import { type DbOrTx, schema } from '@korgon/db';
import type { Locale, Role } from '@korgon/domain';
import { and, eq, gt, inArray, isNull, ne, sql } from 'drizzle-orm';

const { users, sessions, loginThrottle } = schema;

export interface SessionUser {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  locale: Locale;
  partnerOrgId: string | null;
  /** Signed in with a one-time password that must be changed before anything else. */
  mustChangePassword: boolean;
}

const userColumns = {
  id: users.id,
  username: users.username,
  displayName: users.displayName,
  role: users.role,
  locale: users.locale,
  partnerOrgId: users.partnerOrgId,
  mustChangePassword: users.mustChangePassword,
};

export function createAuthRepository(db: DbOrTx) {
  // Every authenticated request runs this: built once and prepared by name on each connection, so a request
  // pays neither the query building nor PostgreSQL's parse and plan.
  const liveSession = db
    .select({ ...userColumns, sessionId: sessions.id, lastSeenAt: sessions.lastSeenAt })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(
      and(
        eq(sessions.id, sql.placeholder('id')),
        isNull(sessions.endedAt),
        gt(sessions.expiresAt, sql`now()`),
        gt(sessions.lastSeenAt, sql`now() - make_interval(mins => ${sql.placeholder('idleMinutes')}::int)`),
        eq(users.active, true),
        // A session still lacking the second factor is no session here (see second-factor-repository.ts).
        isNull(sessions.pendingStep),
      ),
    )
    .prepare('korgon_live_session');
  /** The locked key of these that may try again last, with the seconds until then; nothing if none is locked. */
  const longestLock = async (keys: string[]): Promise<{ key: string; seconds: number } | undefined> => {
    const [row] = await db
      .select({
        key: loginThrottle.key,
        secs: sql<number>`ceil(extract(epoch FROM ${loginThrottle.lockedUntil} - now()))::int`,
      })
      .from(loginThrottle)
      .where(and(inArray(loginThrottle.key, keys), gt(loginThrottle.lockedUntil, sql`now()`)))
      .orderBy(sql`${loginThrottle.lockedUntil} DESC`)
      .limit(1);
    return row ? { key: row.key, seconds: Math.max(1, row.secs) } : undefined;
  };

  return {
    async findUserForLogin(username: string) {
      const [row] = await db
        .select({ ...userColumns, passwordHash: users.passwordHash, active: users.active })
        .from(users)
        .where(eq(sql`lower(${users.username})`, username.toLowerCase()));
      return row ? { ...row, locale: row.locale as Locale } : undefined;
    },

    async createSession(s: {
      id: string;
      userId: string;
      expiresAt: Date;
      userAgent: string | null;
      /** Null for a full session; the second factor's step still to come otherwise. */
      pendingStep?: 'totp' | 'enrol' | null;
    }) {
      await db.insert(sessions).values(s);
    },

    /** The live session and its user, or nothing: ended, expired, idle too long, or the user deactivated. */
    async findLiveSession(id: string, idleMinutes: number) {
      const [row] = await liveSession.execute({ id, idleMinutes });
      if (!row) return undefined;
      const { sessionId, lastSeenAt, ...user } = row;
      return {
        sessionId,
        lastSeenAt,
        user: { ...user, locale: user.locale as Locale } satisfies SessionUser,
      };
    },

    async liveSessionIds(ids: readonly string[], idleMinutes: number): Promise<Set<string>> {
      if (ids.length === 0) return new Set();
      const rows = await db
        .select({ id: sessions.id })
        .from(sessions)
        .innerJoin(users, eq(users.id, sessions.userId))
        .where(
          and(
            inArray(sessions.id, [...ids]),
            isNull(sessions.endedAt),
            gt(sessions.expiresAt, sql`now()`),
            gt(sessions.lastSeenAt, sql`now() - make_interval(mins => ${idleMinutes})`),
            eq(users.active, true),
            isNull(sessions.pendingStep),
          ),
        );
      return new Set(rows.map((r) => r.id));
    },

    async touchSession(id: string) {
      await db.update(sessions).set({ lastSeenAt: sql`now()` }).where(eq(sessions.id, id));
    },

    async endSession(id: string, reason: string, userId?: string) {
      const rows = await db
        .update(sessions)
        .set({ endedAt: sql`now()`, endReason: reason })
        .where(
          and(
            eq(sessions.id, id),
            isNull(sessions.endedAt),
            userId ? eq(sessions.userId, userId) : undefined,
          ),
        )
        .returning({ id: sessions.id, userId: sessions.userId });
      return rows[0];
    },

    async endAllSessionsOf(userId: string, reason: string) {
      return db
        .update(sessions)
        .set({ endedAt: sql`now()`, endReason: reason })
        .where(and(eq(sessions.userId, userId), isNull(sessions.endedAt)))
        .returning({ id: sessions.id });
    },

    async liveSessionsOf(userId: string) {
      return db
        .select({
          id: sessions.id,
          createdAt: sessions.createdAt,
          lastSeenAt: sessions.lastSeenAt,
          expiresAt: sessions.expiresAt,
          userAgent: sessions.userAgent,
        })
        .from(sessions)
        .where(and(eq(sessions.userId, userId), isNull(sessions.endedAt), gt(sessions.expiresAt, sql`now()`)))
        .orderBy(sessions.createdAt);
    },

    async passwordHashOf(userId: string): Promise<string | undefined> {
      const [row] = await db.select({ hash: users.passwordHash }).from(users).where(eq(users.id, userId));
      return row?.hash;
    },

    /** Sets a password the user chose (clears must-change), or a one-time one (`mustChange`). */
    async setPasswordHash(userId: string, passwordHash: string, mustChange = false) {
      await db
        .update(users)
        .set({ passwordHash, mustChangePassword: mustChange, updatedAt: sql`now()` })
        .where(eq(users.id, userId));
    },

    /** Ends every live session of a user but one (after a password change). */
    async endOtherSessions(userId: string, keep: string, reason: string) {
      return db
        .update(sessions)
        .set({ endedAt: sql`now()`, endReason: reason })
        .where(and(eq(sessions.userId, userId), isNull(sessions.endedAt), ne(sessions.id, keep)))
        .returning({ id: sessions.id });
    },

    async setLocale(userId: string, locale: Locale) {
      await db.update(users).set({ locale, updatedAt: sql`now()` }).where(eq(users.id, userId));
    },

    async getUser(userId: string): Promise<SessionUser | undefined> {
      const [row] = await db.select(userColumns).from(users).where(eq(users.id, userId));
      return row ? { ...row, locale: row.locale as Locale } : undefined;
    },

    // ── failed sign-in throttling ────────────────────────────────────────────────────────────────────────
    /** Seconds until the key may try again, or 0. */
    async lockedFor(keys: string[]): Promise<number> {
      return (await longestLock(keys))?.seconds ?? 0;
    },

    longestLock,

    /**
     * Counts one failure for a key within a window; at `max` failures the key is locked for a time that
     * doubles with each further lock-out, up to `maxLockSeconds` (a day unless said). Returns the lock in
     * seconds, 0 if not locked.
     */
    async recordFailure(
      key: string,
      max: number,
      windowSeconds: number,
      lockSeconds: number,
      maxLockSeconds = 24 * 3600,
    ): Promise<number> {
      const [row] = await db
        .insert(loginThrottle)
        .values({ key, failures: 1, windowStartedAt: sql`now()` })
        .onConflictDoUpdate({
          target: loginThrottle.key,
          set: {
            failures: sql`CASE WHEN ${loginThrottle.windowStartedAt} < now() - make_interval(secs => ${windowSeconds})
                               AND (${loginThrottle.lockedUntil} IS NULL OR ${loginThrottle.lockedUntil} < now())
                          THEN 1 ELSE ${loginThrottle.failures} + 1 END`,
            windowStartedAt: sql`CASE WHEN ${loginThrottle.windowStartedAt} < now() - make_interval(secs => ${windowSeconds})
                               AND (${loginThrottle.lockedUntil} IS NULL OR ${loginThrottle.lockedUntil} < now())
                          THEN now() ELSE ${loginThrottle.windowStartedAt} END`,
          },
        })
        .returning({ failures: loginThrottle.failures });
      const failures = row?.failures ?? 1;
      if (failures < max) return 0;
      const secs = Math.min(lockSeconds * 2 ** Math.floor((failures - max) / max), maxLockSeconds);
      await db
        .update(loginThrottle)
        .set({ lockedUntil: sql`now() + make_interval(secs => ${secs})` })
        .where(eq(loginThrottle.key, key));
      return secs;
    },

    /**
     * Forgets every failure counted on an account: from everywhere (`user:<name>`) and from each address
     * (`user:<name>@ip:…`). Known devices' counters are keyed by a hash and simply run out.
     */
    async clearAccountFailures(username: string) {
      const name = username.toLowerCase();
      await db
        .delete(loginThrottle)
        .where(
          sql`${loginThrottle.key} = ${`user:${name}`} OR starts_with(${loginThrottle.key}, ${`user:${name}@`})`,
        );
    },

    async clearFailures(key: string) {
      await db.delete(loginThrottle).where(eq(loginThrottle.key, key));
    },
  };
}
export type AuthRepository = ReturnType<typeof createAuthRepository>;
