import { dbOn, type Queryable, schema } from '@korgon/db';
import {
  CLOSED_REFERRAL_STATUSES,
  ConsultationData,
  MethodologyActions,
  type ReferralContent,
  type ReferralField,
  type ReferralUrgency,
} from '@korgon/domain';
import type { ReferralSealedColumn } from '@korgon/referrals';
import { and, asc, desc, eq, notInArray, sql } from 'drizzle-orm';

const { consultations, methodologyVersions, partnerOrgs, referralEvents, referrals, riskAssessments } =
  schema;

/** The consultation a referral is made from: its author, and its coarse record (what content is taken from). */
export type ReferralConsultation = Pick<typeof consultations.$inferSelect, 'id' | 'operatorId'> & {
  data: ConsultationData;
};

/**
 * The consultation's latest risk assessment, with the methodology version it was made with and that version's
 * actions (what a referral's partner types are read from).
 */
export type AssessedRisk = Pick<
  typeof riskAssessments.$inferSelect,
  'finalLevel' | 'methodologyId' | 'methodologyVersion'
> & { actions: MethodologyActions };

export type ReferralPartner = Pick<typeof partnerOrgs.$inferSelect, 'id' | 'type' | 'active'>;

/** A referral's sealed texts and their key version, named as resealReferralTexts reads them. */
export type SealedTexts = { id: string; key_version: number | null } & Record<
  ReferralSealedColumn,
  Buffer | null
>;

export interface NewReferral {
  id: string;
  consultationId: string;
  partnerOrgId: string;
  urgency: ReferralUrgency;
  consentBasis: string | null;
  consentException: string | null;
  consentExceptionReasonSealed: Buffer | null;
  fields: ReferralField[];
  content: ReferralContent;
  messageSealed: Buffer | null;
  keyVersion: number;
  createdBy: string;
}

/** Open referrals a supervisor reads at once: urgent first, then the oldest. */
const OPEN_LIMIT = 500;

/**
 * The referrals feature's SQL: drizzle's query builder on the pool or on a transaction's client. The staff
 * and partner views (one statement with the events aggregated) stay in @korgon/referrals, shared with the worker.
 */
export function createReferralsRepository(q: Queryable) {
  const db = dbOn(q);

  return {
    async consultation(id: string): Promise<ReferralConsultation | undefined> {
      const [row] = await db
        .select({ id: consultations.id, operatorId: consultations.operatorId, data: consultations.data })
        .from(consultations)
        .where(eq(consultations.id, id));
      return row && { ...row, data: ConsultationData.parse(row.data) };
    },

    async latestRisk(consultationId: string): Promise<AssessedRisk | undefined> {
      const [row] = await db
        .select({
          finalLevel: riskAssessments.finalLevel,
          methodologyId: riskAssessments.methodologyId,
          methodologyVersion: riskAssessments.methodologyVersion,
          actions: sql<unknown>`${methodologyVersions.document}->'actions'`,
        })
        .from(riskAssessments)
        .leftJoin(
          methodologyVersions,
          and(
            eq(methodologyVersions.methodologyId, riskAssessments.methodologyId),
            eq(methodologyVersions.version, riskAssessments.methodologyVersion),
          ),
        )
        .where(eq(riskAssessments.consultationId, consultationId))
        .orderBy(desc(riskAssessments.createdAt), desc(riskAssessments.id))
        .limit(1);
      // Versions are checked when they are stored; one unreadable calls for no partner type rather than fail.
      return row && { ...row, actions: MethodologyActions.catch({}).parse(row.actions ?? {}) };
    },

    async partner(id: string): Promise<ReferralPartner | undefined> {
      const [row] = await db
        .select({ id: partnerOrgs.id, type: partnerOrgs.type, active: partnerOrgs.active })
        .from(partnerOrgs)
        .where(eq(partnerOrgs.id, id));
      return row;
    },

    /** A new referral, queued, with its first event. */
    async insert(r: NewReferral, actorId: string): Promise<void> {
      await db.insert(referrals).values({ ...r, status: 'queued' });
      await db.insert(referralEvents).values({ referralId: r.id, status: 'queued', actorId });
    },

    async setMessage(id: string, messageSealed: Buffer): Promise<void> {
      await db.update(referrals).set({ messageSealed }).where(eq(referrals.id, id));
    },

    /** A referral's sealed texts, locked until the transaction ends (a text is about to be sealed beside them). */
    async sealedTextsForUpdate(id: string): Promise<SealedTexts | undefined> {
      const [row] = await db
        .select({
          id: referrals.id,
          key_version: referrals.keyVersion,
          consent_exception_reason_sealed: referrals.consentExceptionReasonSealed,
          message_sealed: referrals.messageSealed,
          outcome_sealed: referrals.outcomeSealed,
          rejection_reason_sealed: referrals.rejectionReasonSealed,
        })
        .from(referrals)
        .where(eq(referrals.id, id))
        .for('update');
      return row;
    },

    async idsOfConsultation(consultationId: string): Promise<string[]> {
      const rows = await db
        .select({ id: referrals.id })
        .from(referrals)
        .where(eq(referrals.consultationId, consultationId))
        .orderBy(asc(referrals.createdAt));
      return rows.map((r) => r.id);
    },

    async openIds(): Promise<string[]> {
      const rows = await db
        .select({ id: referrals.id })
        .from(referrals)
        .where(notInArray(referrals.status, [...CLOSED_REFERRAL_STATUSES]))
        .orderBy(desc(sql`${referrals.urgency} = 'urgent'`), asc(referrals.createdAt))
        .limit(OPEN_LIMIT);
      return rows.map((r) => r.id);
    },
  };
}
export type ReferralsRepository = ReturnType<typeof createReferralsRepository>;
