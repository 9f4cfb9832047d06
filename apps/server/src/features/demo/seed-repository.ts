import { type DbOrTx, schema } from '@korgon/db';
import { and, count, eq, inArray, isNull, sql } from 'drizzle-orm';

const { users, partnerOrgs, auditLog } = schema;

type UserRow = typeof users.$inferSelect;
export type NewDemoPartner = typeof partnerOrgs.$inferInsert;
export type NewDemoUser = Pick<
  typeof users.$inferInsert,
  'username' | 'displayName' | 'role' | 'locale' | 'extension' | 'passwordHash' | 'partnerOrgId'
>;
/** What `pnpm demo:code` reads of a user's second factor. */
export type DemoSecondFactorRow = Pick<
  UserRow,
  'id' | 'totpSecretSealed' | 'totpKeyVersion' | 'totpEnrolledAt'
>;

/** The demo seed's rows: its people and partners, the audit entry that marks a demo database, demo secrets. */
export function createDemoSeedRepository(db: DbOrTx) {
  return {
    /** Two starts at once seed once (in the caller's transaction). The builder has no advisory locks. */
    async lockSeed(): Promise<void> {
      await db.execute(sql`SELECT pg_advisory_xact_lock(5200, 2)`);
    },

    async userCount(): Promise<number> {
      const [row] = await db.select({ n: count() }).from(users);
      return row?.n ?? 0;
    },

    /** A demo database: the seed's own audit entry is in its log (an installation's never is). */
    async isDemoDatabase(): Promise<boolean> {
      const [row] = await db
        .select({ n: count() })
        .from(auditLog)
        // A key of a jsonb column: the builder has no `->>`.
        .where(and(eq(auditLog.action, 'user.created'), sql`${auditLog.details}->>'seed' = 'demo'`));
      return (row?.n ?? 0) > 0;
    },

    /** Adds the partners missing (by slug); returns the id of every one of them, by slug. */
    async insertPartners(partners: NewDemoPartner[]): Promise<Map<string, string>> {
      await db.insert(partnerOrgs).values(partners).onConflictDoNothing();
      const rows = await db
        .select({ id: partnerOrgs.id, slug: partnerOrgs.slug })
        .from(partnerOrgs)
        .where(
          inArray(
            partnerOrgs.slug,
            partners.map((p) => p.slug),
          ),
        );
      return new Map(rows.map((p) => [p.slug, p.id]));
    },

    /** False when a user with that username or extension is there already. */
    async insertUser(row: NewDemoUser): Promise<boolean> {
      const rows = await db.insert(users).values(row).onConflictDoNothing().returning({ id: users.id });
      return rows.length > 0;
    },

    async usernames(): Promise<string[]> {
      return (await db.select({ username: users.username }).from(users)).map((r) => r.username);
    },

    async extensionTaken(extension: string): Promise<boolean> {
      const rows = await db.select({ id: users.id }).from(users).where(eq(users.extension, extension));
      return rows.length > 0;
    },

    /** Renames a user still carrying `from`; returns the ids renamed (none when someone renamed it). */
    async renameFrom(username: string, from: string, to: string): Promise<string[]> {
      const rows = await db
        .update(users)
        .set({ displayName: to, updatedAt: sql`now()` })
        .where(and(eq(users.username, username), eq(users.displayName, from)))
        .returning({ id: users.id });
      return rows.map((r) => r.id);
    },

    /** Of these users, those that never had a second factor of their own (no secret, no enrolment or reset). */
    async neverEnrolled(usernames: string[]): Promise<Pick<UserRow, 'id' | 'username'>[]> {
      return db
        .select({ id: users.id, username: users.username })
        .from(users)
        .where(
          and(
            inArray(users.username, usernames),
            isNull(users.totpSecretSealed),
            // audit_log.target_id is text: the builder cannot compare it with a uuid without a cast.
            sql`NOT EXISTS (SELECT 1 FROM ${auditLog} a WHERE a.target_id = ${users.id}::text
                  AND a.action IN ('auth.second_factor_enrolled', 'auth.second_factor_reset'))`,
          ),
        );
    },

    /** Enrols a demo secret, unless the user got one meanwhile. */
    async setSecondFactor(userId: string, sealed: Buffer, keyVersion: number): Promise<void> {
      await db
        .update(users)
        .set({
          totpSecretSealed: sealed,
          totpKeyVersion: keyVersion,
          totpEnrolledAt: sql`now()`,
          totpLastStep: null,
        })
        .where(and(eq(users.id, userId), isNull(users.totpSecretSealed)));
    },

    async secondFactorOf(username: string): Promise<DemoSecondFactorRow | undefined> {
      const [row] = await db
        .select({
          id: users.id,
          totpSecretSealed: users.totpSecretSealed,
          totpKeyVersion: users.totpKeyVersion,
          totpEnrolledAt: users.totpEnrolledAt,
        })
        .from(users)
        // lower(), as the unique index users_username_lower_idx: the builder has no function call.
        .where(eq(sql`lower(${users.username})`, username.toLowerCase()));
      return row;
    },
  };
}
