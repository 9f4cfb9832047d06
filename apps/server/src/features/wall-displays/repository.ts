import { type DbOrTx, schema } from '@korgon/db';
import type { Locale, WallDisplay } from '@korgon/domain';
import { and, asc, eq, gt, inArray, isNull, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';

const { users, sessions, wallDisplays } = schema;

export type WallDisplayRow = typeof wallDisplays.$inferSelect;

const creators = alias(users, 'creator');

const columns = {
  id: wallDisplays.id,
  name: wallDisplays.name,
  userId: wallDisplays.userId,
  username: users.username,
  locale: users.locale,
  active: users.active,
  createdAt: wallDisplays.createdAt,
  creatorId: creators.id,
  creatorName: creators.displayName,
  // Only a code that can still be used is worth telling the administrator about.
  pairingExpiresAt: sql<Date | null>`CASE WHEN ${wallDisplays.pairingExpiresAt} > now()
                                          THEN ${wallDisplays.pairingExpiresAt} END`.mapWith(
    wallDisplays.pairingExpiresAt,
  ),
};

type Listed = {
  id: string;
  name: string;
  userId: string;
  username: string;
  locale: string;
  active: boolean;
  createdAt: Date;
  creatorId: string;
  creatorName: string;
  pairingExpiresAt: Date | null;
};

type LiveSession = {
  id: string;
  userId: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  userAgent: string | null;
};

function toDisplay(r: Listed, live: LiveSession[]): WallDisplay {
  return {
    id: r.id,
    name: r.name,
    userId: r.userId,
    username: r.username,
    locale: r.locale as Locale,
    active: r.active,
    createdAt: r.createdAt.toISOString(),
    createdBy: { id: r.creatorId, displayName: r.creatorName },
    paired: live.length > 0,
    pairingExpiresAt: r.pairingExpiresAt?.toISOString() ?? null,
    sessions: live.map((s) => ({
      id: s.id,
      createdAt: s.createdAt.toISOString(),
      lastSeenAt: s.lastSeenAt.toISOString(),
      expiresAt: s.expiresAt.toISOString(),
      userAgent: s.userAgent,
    })),
  };
}

/** Wall displays, their accounts (role wall) and their screens' sessions. */
export function createWallDisplaysRepository(db: DbOrTx) {
  /** Sessions not ended and not past their absolute end (the idle limit is the guard's, as for everyone). */
  const liveSessionsOf = (userIds: string[]) =>
    userIds.length === 0
      ? Promise.resolve([] as LiveSession[])
      : db
          .select({
            id: sessions.id,
            userId: sessions.userId,
            createdAt: sessions.createdAt,
            lastSeenAt: sessions.lastSeenAt,
            expiresAt: sessions.expiresAt,
            userAgent: sessions.userAgent,
          })
          .from(sessions)
          .where(
            and(
              inArray(sessions.userId, userIds),
              isNull(sessions.endedAt),
              gt(sessions.expiresAt, sql`now()`),
            ),
          )
          .orderBy(asc(sessions.createdAt));

  const select = () =>
    db
      .select(columns)
      .from(wallDisplays)
      .innerJoin(users, eq(users.id, wallDisplays.userId))
      .innerJoin(creators, eq(creators.id, wallDisplays.createdBy));

  const withSessions = async (rows: Listed[]): Promise<WallDisplay[]> => {
    const live = await liveSessionsOf(rows.map((r) => r.userId));
    return rows.map((r) =>
      toDisplay(
        r,
        live.filter((s) => s.userId === r.userId),
      ),
    );
  };

  return {
    async list(): Promise<WallDisplay[]> {
      return withSessions(await select().orderBy(asc(wallDisplays.createdAt), asc(wallDisplays.id)));
    },

    async get(id: string): Promise<WallDisplay | undefined> {
      const [row] = await withSessions(await select().where(eq(wallDisplays.id, id)));
      return row;
    },

    /** The display's row alone, locked for the change that follows (a new code, a revoke). */
    async lockRow(id: string): Promise<WallDisplayRow | undefined> {
      const [row] = await db.select().from(wallDisplays).where(eq(wallDisplays.id, id)).for('update');
      return row;
    },

    /** Its account: role wall, a password hash nobody knows (it never signs in with a password). */
    async createAccount(a: { username: string; displayName: string; locale: Locale; passwordHash: string }) {
      const [row] = await db
        .insert(users)
        .values({ ...a, role: 'wall' })
        .returning({ id: users.id });
      if (!row) throw new Error('insert returned nothing');
      return row.id;
    },

    async create(d: { userId: string; name: string; createdBy: string }) {
      const [row] = await db.insert(wallDisplays).values(d).returning({ id: wallDisplays.id });
      if (!row) throw new Error('insert returned nothing');
      return row.id;
    },

    /** Replaces any earlier code; valid for `minutes` from the database's now. Returns when it expires. */
    async setPairingCode(id: string, codeHash: string, minutes: number): Promise<Date> {
      const [row] = await db
        .update(wallDisplays)
        .set({
          pairingCodeHash: codeHash,
          pairingExpiresAt: sql`now() + make_interval(mins => ${minutes})`,
        })
        .where(eq(wallDisplays.id, id))
        .returning({ expiresAt: wallDisplays.pairingExpiresAt });
      if (!row?.expiresAt) throw new Error('the wall display vanished');
      return row.expiresAt;
    },

    async clearPairingCode(id: string) {
      await db
        .update(wallDisplays)
        .set({ pairingCodeHash: null, pairingExpiresAt: null })
        .where(eq(wallDisplays.id, id));
    },

    /**
     * Uses a code: clears it in the same statement that finds it, so of two screens typing it at once only
     * one gets the session. Only a code still valid, of a display whose account is active.
     */
    async consumePairingCode(codeHash: string) {
      const [row] = await db
        .update(wallDisplays)
        .set({ pairingCodeHash: null, pairingExpiresAt: null })
        .where(
          and(
            eq(wallDisplays.pairingCodeHash, codeHash),
            gt(wallDisplays.pairingExpiresAt, sql`now()`),
            sql`EXISTS (SELECT 1 FROM ${users} WHERE ${users.id} = ${wallDisplays.userId} AND ${users.active})`,
          ),
        )
        .returning({ id: wallDisplays.id, userId: wallDisplays.userId });
      return row;
    },

    /** A code that exists but can no longer be used (to say "expired" rather than "wrong"). */
    async expiredCode(codeHash: string): Promise<boolean> {
      const [row] = await db
        .select({ id: wallDisplays.id })
        .from(wallDisplays)
        .where(eq(wallDisplays.pairingCodeHash, codeHash));
      return row !== undefined;
    },

    async setActive(userId: string, active: boolean) {
      await db.update(users).set({ active, updatedAt: sql`now()` }).where(eq(users.id, userId));
    },
  };
}
export type WallDisplaysRepository = ReturnType<typeof createWallDisplaysRepository>;
