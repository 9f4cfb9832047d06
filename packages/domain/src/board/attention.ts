import { z } from 'zod';
import { FollowUpKind } from '../follow-ups/schemas';
import { LocalizedText } from '../i18n/locales';
import { PartnerType } from '../partners/types';
import { ReferralStatus, ReferralUrgency } from '../referrals/schemas';

const iso = z.iso.datetime({ offset: true });

/** At most this many items in each list (the oldest or most pressing first); beyond it the board says "and more". */
export const ATTENTION_LIST_LIMIT = 100;

const Partner = z.object({ id: z.uuid(), name: LocalizedText, type: PartnerType });

/** The consultation a referral was made from: where the board's link leads. */
const FromConsultation = {
  consultationId: z.uuid(),
  /** K-2026-000123 */
  consultationReference: z.string(),
};

export const AttentionHighRisk = z.object({
  consultationId: z.uuid(),
  /** K-2026-000123 */
  reference: z.string(),
  /** The final level of its latest assessment. */
  level: z.enum(['high', 'critical']),
  operator: z.object({ id: z.uuid(), displayName: z.string() }),
  status: z.enum(['draft', 'final']),
  /** When that latest assessment was saved. */
  assessedAt: iso,
  createdAt: iso,
});
export type AttentionHighRisk = z.infer<typeof AttentionHighRisk>;

export const AttentionUrgentReferral = z.object({
  referralId: z.uuid(),
  /** R-2026-000045 */
  reference: z.string(),
  ...FromConsultation,
  partner: Partner,
  status: z.enum(['queued', 'sent', 'delivered']),
  /** When the operator sent it. */
  sentAt: iso,
  /** When it is escalated if nobody acknowledges it (the board counts down to it); null: not set yet. */
  escalateAt: iso.nullable(),
  /** Sent without the caller's consent, under an exception (a child at risk, imminent danger): no reason here. */
  consentException: z.boolean(),
});
export type AttentionUrgentReferral = z.infer<typeof AttentionUrgentReferral>;

export const AttentionFailedReferral = z.object({
  referralId: z.uuid(),
  reference: z.string(),
  ...FromConsultation,
  partner: Partner,
  urgency: ReferralUrgency,
  state: ReferralStatus.extract(['failed', 'escalated']),
  /** When it failed or was escalated. */
  at: iso,
  consentException: z.boolean(),
});
export type AttentionFailedReferral = z.infer<typeof AttentionFailedReferral>;

export const AttentionOverdueFollowUp = z.object({
  followUpId: z.uuid(),
  consultationId: z.uuid(),
  /** K-2026-000123 of the consultation it follows */
  consultationReference: z.string(),
  kind: FollowUpKind,
  /** When its safe window closed (or two hours after it was raised, without a window). */
  overdueSince: iso,
  /** Null: the shift's (nobody holds it). */
  assignee: z.object({ id: z.uuid(), displayName: z.string() }).nullable(),
});
export type AttentionOverdueFollowUp = z.infer<typeof AttentionOverdueFollowUp>;

/**
 * `GET /api/board/attention`: what needs a supervisor now, as four lists (docs/board.md "Board screen").
 * References, levels, partners, states and times only: nothing about a caller and no free text (a failed
 * referral's delivery error and a partner's reasons stay on the referral itself).
 */
export const BoardAttention = z
  .object({
    /** The server's clock when it was read (what "overdue" and the countdowns were measured against). */
    at: iso,
    /** The current shift's start (BOARD_SHIFTS, Asia/Bishkek). */
    shiftStart: iso,
    /**
     * Consultations of the shift (begun in it, or drafts still open from before it) whose latest
     * assessment is high or critical; critical first, then the latest assessed.
     */
    highRisk: z.array(AttentionHighRisk).max(ATTENTION_LIST_LIMIT),
    /** Urgent referrals not yet acknowledged nor escalated; the nearest escalation first. */
    urgentReferrals: z.array(AttentionUrgentReferral).max(ATTENTION_LIST_LIMIT),
    /** Failed and escalated referrals nobody has yet redirected, retried, revoked or seen acknowledged. */
    failedOrEscalated: z.array(AttentionFailedReferral).max(ATTENTION_LIST_LIMIT),
    /** Follow-ups still due whose time has run out; the longest overdue first. */
    overdueFollowUps: z.array(AttentionOverdueFollowUp).max(ATTENTION_LIST_LIMIT),
  })
  .meta({ id: 'BoardAttention' });
export type BoardAttention = z.infer<typeof BoardAttention>;
