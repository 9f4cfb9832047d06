import { type Db, schema } from '@korgon/db';
import { and, desc, eq, notInArray, sql } from 'drizzle-orm';

const { partnerOrgs, referrals } = schema;

/** The partner side's own reads; the referrals themselves are read and changed by @korgon/referrals. */
export function createPartnerPortalRepository(db: Db) {
  return {
    /** The organisation's referrals it can see (not queued, not revoked), newest first. */
    async inboxIds(partnerOrgId: string): Promise<string[]> {
      const rows = await db
        .select({ id: referrals.id })
        .from(referrals)
        .where(
          and(eq(referrals.partnerOrgId, partnerOrgId), notInArray(referrals.status, ['queued', 'revoked'])),
        )
        .orderBy(desc(referrals.createdAt))
        .limit(200);
      return rows.map((r) => r.id);
    },

    /** The referral's partner and that partner's sealed webhook secret, to check a signed callback. */
    async webhookSecretOf(
      referralId: string,
    ): Promise<
      | (Pick<typeof referrals.$inferSelect, 'partnerOrgId'> &
          Pick<typeof partnerOrgs.$inferSelect, 'webhookSecretSealed' | 'webhookSecretKeyVersion'>)
      | undefined
    > {
      const [row] = await db
        .select({
          partnerOrgId: referrals.partnerOrgId,
          webhookSecretSealed: partnerOrgs.webhookSecretSealed,
          webhookSecretKeyVersion: partnerOrgs.webhookSecretKeyVersion,
        })
        .from(referrals)
        .innerJoin(partnerOrgs, eq(partnerOrgs.id, referrals.partnerOrgId))
        .where(eq(referrals.id, referralId));
      return row;
    },

    /** The referral an acknowledgement link names (by the hash of its token), and whether the link expired. */
    async byAckTokenHash(hash: string): Promise<{ id: string; expired: boolean | null } | undefined> {
      const [row] = await db
        .select({
          id: referrals.id,
          // Compared in the database: its clock decides, as when the link was made.
          expired: sql<boolean | null>`${referrals.ackTokenExpiresAt} < now()`,
        })
        .from(referrals)
        .where(eq(referrals.ackTokenHash, hash));
      return row;
    },
  };
}
