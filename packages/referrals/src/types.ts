import type { schema } from '@korgon/db';
import type { PartnerReferral, Referral } from '@korgon/domain';

export type { Queryable } from '@korgon/db';

/** Where referral changes go: the server pushes with Socket.IO, the worker through the adapter's channel. */
export interface ReferralPush {
  staff(referral: Referral, createdBy: string): void;
  partner(partnerOrgId: string, referral: PartnerReferral): void;
}

/** A referral as stored: the drizzle schema's row. */
export type ReferralRow = typeof schema.referrals.$inferSelect;
