import { type DbOrTx, schema } from '@korgon/db';
import type { PartnerType } from '@korgon/domain';
import { asc, eq, sql } from 'drizzle-orm';

const { partnerOrgs, partnerTypeSettings } = schema;

export type PartnerRow = typeof partnerOrgs.$inferSelect;
/** The columns a partner is created with (the rest have their defaults). */
export type NewPartnerRow = Pick<
  typeof partnerOrgs.$inferInsert,
  | 'slug'
  | 'name'
  | 'type'
  | 'regions'
  | 'languages'
  | 'hours'
  | 'channel'
  | 'webhookUrl'
  | 'email'
  | 'contacts'
  | 'active'
>;
export type PartnerChanges = Partial<NewPartnerRow>;
export type EscalationRow = { type: PartnerType; minutes: number };

/** The partner registry and the escalation minutes per partner type. */
export function createPartnersRepository(db: DbOrTx) {
  return {
    async list(activeOnly: boolean): Promise<PartnerRow[]> {
      return db
        .select()
        .from(partnerOrgs)
        .where(activeOnly ? eq(partnerOrgs.active, true) : undefined)
        .orderBy(asc(partnerOrgs.type), asc(partnerOrgs.slug));
    },

    /** Adds a partner; a slug in use already is a unique violation. */
    async insert(row: NewPartnerRow): Promise<PartnerRow | undefined> {
      const [created] = await db.insert(partnerOrgs).values(row).returning();
      return created;
    },

    /** Changes the given columns; undefined when there is no such partner. */
    async update(id: string, changes: PartnerChanges): Promise<PartnerRow | undefined> {
      const [updated] = await db
        .update(partnerOrgs)
        .set({ ...changes, updatedAt: sql`now()` })
        .where(eq(partnerOrgs.id, id))
        .returning();
      return updated;
    },

    /** Stores a new sealed webhook secret; false when there is no such partner. */
    async setWebhookSecret(id: string, sealed: Buffer, keyVersion: number): Promise<boolean> {
      const rows = await db
        .update(partnerOrgs)
        .set({ webhookSecretSealed: sealed, webhookSecretKeyVersion: keyVersion, updatedAt: sql`now()` })
        .where(eq(partnerOrgs.id, id))
        .returning({ id: partnerOrgs.id });
      return rows.length > 0;
    },

    async escalations(): Promise<EscalationRow[]> {
      return db
        .select({ type: partnerTypeSettings.type, minutes: partnerTypeSettings.escalationMinutes })
        .from(partnerTypeSettings)
        .orderBy(asc(partnerTypeSettings.type));
    },

    async setEscalation(type: PartnerType, minutes: number): Promise<void> {
      await db
        .insert(partnerTypeSettings)
        .values({ type, escalationMinutes: minutes })
        .onConflictDoUpdate({
          target: partnerTypeSettings.type,
          set: { escalationMinutes: sql`excluded.escalation_minutes` },
        });
    },
  };
}
