import { type DbOrTx, schema } from '@korgon/db';
import { ATTENTION_LIST_LIMIT, type LocalizedText, type PartnerType, statusesFrom } from '@korgon/domain';
import { and, asc, desc, eq, gte, inArray, lte, or, sql } from 'drizzle-orm';

const { consultations, followUps, partnerOrgs, referrals, riskAssessments, users } = schema;

/**
 * Follow-ups still due that were raised are read at most this many at once: the overdue ones among them are
 * found with the safe-window rule in code (overdueAtOf), which SQL would have to repeat.
 */
const RAISED_FOLLOW_UPS_READ = 1_000;

/** Whether it went under a consent exception: the flag only, never its reason. */
const consentException = sql<boolean>`(${referrals.consentException} IS NOT NULL)`;

const partner = {
  id: partnerOrgs.id,
  name: sql<LocalizedText>`${partnerOrgs.name}`,
  type: sql<PartnerType>`${partnerOrgs.type}`,
};

/**
 * The board's four "needs a supervisor" lists (docs/board.md "Board screen"), read with drizzle. Each reads
 * references, levels, states, names of staff and partners, and times: never a caller's data, never free text.
 */
export function createAttentionRepository(db: DbOrTx) {
  return {
    /**
     * Consultations begun since `shiftStart`, or drafts worked on since then, whose latest assessment's final
     * level is high or critical. "Latest" is one row per consultation (a LATERAL subquery on its index).
     */
    async highRisk(shiftStart: Date) {
      const latest = db
        .select({ level: riskAssessments.finalLevel, at: riskAssessments.createdAt })
        .from(riskAssessments)
        .where(eq(riskAssessments.consultationId, consultations.id))
        .orderBy(desc(riskAssessments.createdAt), desc(riskAssessments.id))
        .limit(1)
        .as('latest');
      return db
        .select({
          consultationId: consultations.id,
          reference: consultations.reference,
          status: consultations.status,
          createdAt: consultations.createdAt,
          level: latest.level,
          assessedAt: latest.at,
          operatorId: users.id,
          operatorName: users.displayName,
        })
        .from(consultations)
        .innerJoinLateral(latest, sql`true`)
        .innerJoin(users, eq(users.id, consultations.operatorId))
        .where(
          and(
            inArray(latest.level, ['high', 'critical']),
            or(
              gte(consultations.createdAt, shiftStart),
              and(eq(consultations.status, 'draft'), gte(consultations.updatedAt, shiftStart)),
            ),
          ),
        )
        .orderBy(sql`(${latest.level} = 'critical') DESC`, desc(latest.at), asc(consultations.id))
        .limit(ATTENTION_LIST_LIMIT);
    },

    /** Urgent referrals on their way and not acknowledged (an escalated one is in the next list). */
    async urgentAwaiting() {
      return db
        .select({
          referralId: referrals.id,
          reference: referrals.reference,
          consultationId: referrals.consultationId,
          consultationReference: consultations.reference,
          partner,
          status: referrals.status,
          sentAt: referrals.createdAt,
          escalateAt: referrals.escalateAt,
          consentException,
        })
        .from(referrals)
        .innerJoin(partnerOrgs, eq(partnerOrgs.id, referrals.partnerOrgId))
        .innerJoin(consultations, eq(consultations.id, referrals.consultationId))
        .where(
          // Still waiting for its partner and not escalated yet: the lifecycle's way into `escalated`.
          and(eq(referrals.urgency, 'urgent'), inArray(referrals.status, statusesFrom('escalated'))),
        )
        .orderBy(sql`${referrals.escalateAt} ASC NULLS LAST`, asc(referrals.createdAt))
        .limit(ATTENTION_LIST_LIMIT);
    },

    /**
     * Failed and escalated referrals as they stand: a redirect revokes the referral, a retry queues it again
     * and a partner's acknowledgement moves an escalated one on, so each leaves this list by its status.
     */
    async failedOrEscalated() {
      const at = sql<Date>`CASE WHEN ${referrals.status} = 'escalated'
        THEN coalesce(${referrals.escalatedAt}, ${referrals.updatedAt}) ELSE ${referrals.updatedAt} END`.mapWith(
        referrals.updatedAt,
      );
      return db
        .select({
          referralId: referrals.id,
          reference: referrals.reference,
          consultationId: referrals.consultationId,
          consultationReference: consultations.reference,
          partner,
          urgency: referrals.urgency,
          state: referrals.status,
          at,
          consentException,
        })
        .from(referrals)
        .innerJoin(partnerOrgs, eq(partnerOrgs.id, referrals.partnerOrgId))
        .innerJoin(consultations, eq(consultations.id, referrals.consultationId))
        .where(inArray(referrals.status, ['failed', 'escalated']))
        .orderBy(desc(sql`(${referrals.urgency} = 'urgent')`), asc(at), asc(referrals.id))
        .limit(ATTENTION_LIST_LIMIT);
    },

    /** Follow-ups still due whose raise time has come (every assignee's): the caller keeps the overdue ones. */
    async raisedFollowUps(now: Date) {
      return db
        .select({
          followUpId: followUps.id,
          consultationId: followUps.consultationId,
          consultationReference: consultations.reference,
          kind: followUps.kind,
          raiseAt: followUps.raiseAt,
          windowFrom: followUps.windowFrom,
          windowTo: followUps.windowTo,
          assigneeId: users.id,
          assigneeName: users.displayName,
        })
        .from(followUps)
        .innerJoin(consultations, eq(consultations.id, followUps.consultationId))
        .leftJoin(users, eq(users.id, followUps.assigneeId))
        .where(and(eq(followUps.state, 'due'), lte(followUps.raiseAt, now)))
        .orderBy(asc(followUps.raiseAt), asc(followUps.id))
        .limit(RAISED_FOLLOW_UPS_READ);
    },
  };
}
export type AttentionRepository = ReturnType<typeof createAttentionRepository>;
