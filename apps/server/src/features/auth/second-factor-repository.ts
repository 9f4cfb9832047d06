import { type DbOrTx, schema } from '@korgon/db';
import { OPERATORS_POLICY_KEY, OperatorsPolicy, type PendingStep } from '@korgon/domain';
import { and, count, eq, gt, isNull, lt, or, sql } from 'drizzle-orm';

const { users, sessions, userRecoveryCodes, systemSettings } = schema;

/** The second factor's rows: the sealed secret, the replay guard, recovery codes, pending sessions, the policy. */
export function createSecondFactorRepository(db: DbOrTx) {
  return {
    async totpOf(userId: string) {
      const [row] = await db
        .select({
          sealed: users.totpSecretSealed,
          keyVersion: users.totpKeyVersion,
          enrolledAt: users.totpEnrolledAt,
          lastStep: users.totpLastStep,
        })
        .from(users)
        .where(eq(users.id, userId));
      return row;
    },

    /** A new secret waiting for its first code (not enrolled until `confirm`). */
    async setPendingSecret(userId: string, sealed: Buffer, keyVersion: number) {
      await db
        .update(users)
        .set({
          totpSecretSealed: sealed,
          totpKeyVersion: keyVersion,
          totpEnrolledAt: null,
          totpLastStep: null,
          updatedAt: sql`now()`,
        })
        .where(and(eq(users.id, userId), isNull(users.totpEnrolledAt)));
    },

    /**
     * Takes a step as used, only if it is later than the last one (one statement: two requests with the same
     * code cannot both pass). False when the step was used already. With `enrol`, also marks the enrolment.
     */
    async useStep(userId: string, step: number, enrol = false): Promise<boolean> {
      const rows = await db
        .update(users)
        .set({ totpLastStep: step, ...(enrol ? { totpEnrolledAt: sql`now()`, updatedAt: sql`now()` } : {}) })
        .where(
          and(
            eq(users.id, userId),
            or(isNull(users.totpLastStep), lt(users.totpLastStep, step)),
            enrol ? isNull(users.totpEnrolledAt) : sql`${users.totpEnrolledAt} IS NOT NULL`,
          ),
        )
        .returning({ id: users.id });
      return rows.length > 0;
    },

    async replaceRecoveryCodes(userId: string, hashes: string[]) {
      await db.delete(userRecoveryCodes).where(eq(userRecoveryCodes.userId, userId));
      if (hashes.length > 0)
        await db.insert(userRecoveryCodes).values(hashes.map((codeHash) => ({ userId, codeHash })));
    },

    async unusedRecoveryCodes(userId: string) {
      return db
        .select({ id: userRecoveryCodes.id, codeHash: userRecoveryCodes.codeHash })
        .from(userRecoveryCodes)
        .where(and(eq(userRecoveryCodes.userId, userId), isNull(userRecoveryCodes.usedAt)));
    },

    async recoveryCodesLeft(userId: string): Promise<number> {
      const [row] = await db
        .select({ n: count() })
        .from(userRecoveryCodes)
        .where(and(eq(userRecoveryCodes.userId, userId), isNull(userRecoveryCodes.usedAt)));
      return row?.n ?? 0;
    },

    /** Spends a recovery code; false when it was spent meanwhile (by a request at the same moment). */
    async spendRecoveryCode(id: string): Promise<boolean> {
      const rows = await db
        .update(userRecoveryCodes)
        .set({ usedAt: sql`now()` })
        .where(and(eq(userRecoveryCodes.id, id), isNull(userRecoveryCodes.usedAt)))
        .returning({ id: userRecoveryCodes.id });
      return rows.length > 0;
    },

    /** The admin's reset: no secret, no codes; the next sign-in enrols anew. */
    async clear(userId: string) {
      await db
        .update(users)
        .set({
          totpSecretSealed: null,
          totpKeyVersion: null,
          totpEnrolledAt: null,
          totpLastStep: null,
          updatedAt: sql`now()`,
        })
        .where(eq(users.id, userId));
      await db.delete(userRecoveryCodes).where(eq(userRecoveryCodes.userId, userId));
    },

    /** A session that still lacks the second factor, if it is live (its short life, the user active). */
    async findPendingSession(id: string, idleMinutes: number) {
      const [row] = await db
        .select({
          pendingStep: sessions.pendingStep,
          lastSeenAt: sessions.lastSeenAt,
          id: users.id,
          username: users.username,
          displayName: users.displayName,
          role: users.role,
          locale: users.locale,
          partnerOrgId: users.partnerOrgId,
          mustChangePassword: users.mustChangePassword,
        })
        .from(sessions)
        .innerJoin(users, eq(users.id, sessions.userId))
        .where(
          and(
            eq(sessions.id, id),
            isNull(sessions.endedAt),
            gt(sessions.expiresAt, sql`now()`),
            gt(sessions.lastSeenAt, sql`now() - make_interval(mins => ${idleMinutes})`),
            eq(users.active, true),
          ),
        );
      if (!row?.pendingStep) return undefined;
      const { pendingStep, lastSeenAt, ...user } = row;
      return { pendingStep: pendingStep as PendingStep, lastSeenAt, user };
    },

    /** The second factor is done: the session becomes a full one, with a full session's life. */
    async completeSession(id: string, ttlHours: number): Promise<boolean> {
      const rows = await db
        .update(sessions)
        .set({
          pendingStep: null,
          lastSeenAt: sql`now()`,
          expiresAt: sql`now() + make_interval(secs => ${Math.round(ttlHours * 3600)})`,
        })
        .where(and(eq(sessions.id, id), isNull(sessions.endedAt), sql`${sessions.pendingStep} IS NOT NULL`))
        .returning({ id: sessions.id });
      return rows.length > 0;
    },

    async operatorsPolicy(): Promise<{ operators: OperatorsPolicy; updatedAt: Date | null }> {
      const [row] = await db
        .select({ value: systemSettings.value, updatedAt: systemSettings.updatedAt })
        .from(systemSettings)
        .where(eq(systemSettings.key, OPERATORS_POLICY_KEY));
      const parsed = OperatorsPolicy.safeParse(row?.value);
      return { operators: parsed.success ? parsed.data : 'optional', updatedAt: row?.updatedAt ?? null };
    },

    async setOperatorsPolicy(value: OperatorsPolicy, by: string) {
      const [row] = await db
        .insert(systemSettings)
        .values({ key: OPERATORS_POLICY_KEY, value, updatedBy: by })
        .onConflictDoUpdate({
          target: systemSettings.key,
          set: { value, updatedBy: by, updatedAt: sql`now()` },
        })
        .returning({ updatedAt: systemSettings.updatedAt });
      return row?.updatedAt ?? new Date();
    },
  };
}
export type SecondFactorRepository = ReturnType<typeof createSecondFactorRepository>;
