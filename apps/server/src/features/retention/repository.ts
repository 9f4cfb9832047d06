import { dbOn, type Queryable, schema } from '@korgon/db';
import { and, desc, eq, inArray, sql } from 'drizzle-orm';

const { auditLog, consultations, systemSettings, users } = schema;

type ConsultationRow = typeof consultations.$inferSelect;

/** What a legal hold is placed on or lifted from. */
export type HoldTarget = Pick<
  ConsultationRow,
  'id' | 'reference' | 'legalHold' | 'finalizedAt' | 'notesShreddedAt'
>;

/** A consultation on legal hold, with who placed it and the reason given (from the audit log). */
export type HoldRow = Pick<
  ConsultationRow,
  'id' | 'reference' | 'legalHoldAt' | 'legalHoldBy' | 'finalizedAt' | 'notesShreddedAt'
> & { byName: string | null; reason: string | null };

/** At most this many holds are listed. */
const HOLDS_LIMIT = 500;

/**
 * Retention's own SQL: its settings rows, and legal holds on consultations. Runs on what it is given: the pool,
 * or the client of a transaction that also reads the settings (readRetentionSettings) and writes the audit log.
 */
export function createRetentionRepository(q: Queryable) {
  const db = dbOn(q);
  return {
    async displayName(userId: string): Promise<string | undefined> {
      const [row] = await db
        .select({ displayName: users.displayName })
        .from(users)
        .where(eq(users.id, userId));
      return row?.displayName;
    },

    /**
     * Holds the transaction's lock on changing the settings, so the old values read are the ones replaced.
     * (Raw SQL: advisory locks are functions drizzle's builder has no words for.)
     */
    async lockSettings(): Promise<void> {
      await q.query('SELECT pg_advisory_xact_lock(5213, 2)');
    },

    async writeSetting(key: string, value: number, by: string): Promise<void> {
      await db
        .insert(systemSettings)
        .values({ key, value, updatedAt: sql`now()`, updatedBy: by })
        .onConflictDoUpdate({
          target: systemSettings.key,
          set: { value: sql`excluded.value`, updatedAt: sql`now()`, updatedBy: sql`excluded.updated_by` },
        });
    },

    /** The consultation with this reference, or this id, locked. */
    async lockConsultation(by: { reference: string } | { id: string }): Promise<HoldTarget | undefined> {
      const [row] = await db
        .select({
          id: consultations.id,
          reference: consultations.reference,
          legalHold: consultations.legalHold,
          finalizedAt: consultations.finalizedAt,
          notesShreddedAt: consultations.notesShreddedAt,
        })
        .from(consultations)
        .where('id' in by ? eq(consultations.id, by.id) : eq(consultations.reference, by.reference))
        .for('update');
      return row;
    },

    /** The consultations on hold (only these when `ids` is given), the latest placed first. */
    async holds(ids?: string[]): Promise<HoldRow[]> {
      const reason = db
        .select({ reason: sql<string | null>`${auditLog.details}->>'reason'` })
        .from(auditLog)
        .where(
          and(
            eq(auditLog.targetType, 'consultation'),
            eq(auditLog.targetId, sql`${consultations.id}::text`),
            eq(auditLog.action, 'consultation.legal_hold_placed'),
          ),
        )
        .orderBy(desc(auditLog.id))
        .limit(1);
      return db
        .select({
          id: consultations.id,
          reference: consultations.reference,
          legalHoldAt: consultations.legalHoldAt,
          legalHoldBy: consultations.legalHoldBy,
          byName: users.displayName,
          finalizedAt: consultations.finalizedAt,
          notesShreddedAt: consultations.notesShreddedAt,
          reason: sql<string | null>`(${reason})`,
        })
        .from(consultations)
        .leftJoin(users, eq(users.id, consultations.legalHoldBy))
        .where(and(eq(consultations.legalHold, true), ids ? inArray(consultations.id, ids) : undefined))
        .orderBy(sql`${consultations.legalHoldAt} DESC NULLS LAST`, consultations.reference)
        .limit(HOLDS_LIMIT);
    },

    async placeHold(id: string, by: string): Promise<void> {
      await db
        .update(consultations)
        .set({ legalHold: true, legalHoldAt: sql`now()`, legalHoldBy: by })
        .where(eq(consultations.id, id));
    },

    async liftHold(id: string): Promise<void> {
      await db
        .update(consultations)
        .set({ legalHold: false, legalHoldAt: null, legalHoldBy: null })
        .where(eq(consultations.id, id));
    },
  };
}
