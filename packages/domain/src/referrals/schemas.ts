import { z } from 'zod';
import { LocalizedText } from '../i18n/locales';
import { PartnerType } from '../partners/types';
import { Settlement } from '../taxonomy/schema';

export const REFERRAL_STATUSES = [
  'draft',
  'queued',
  'sent',
  'delivered',
  'acknowledged',
  'accepted',
  'rejected',
  'done',
  'failed',
  'escalated',
  'revoked',
] as const;
export const ReferralStatus = z.enum(REFERRAL_STATUSES);
export type ReferralStatus = z.infer<typeof ReferralStatus>;

/** How soon the partner must act: an urgent referral not acknowledged in time is escalated. */
export const REFERRAL_URGENCIES = ['urgent', 'standard'] as const;
export const ReferralUrgency = z.enum(REFERRAL_URGENCIES);
export type ReferralUrgency = z.infer<typeof ReferralUrgency>;

export const PartnerAction = z.enum(['acknowledged', 'accepted', 'rejected', 'done']);
export type PartnerAction = z.infer<typeof PartnerAction>;

/** The fields an operator may choose to send; the partner receives nothing else (docs/domain.md §7, §9). */
export const REFERRAL_FIELDS = [
  'region',
  'settlement',
  'ageBand',
  'gender',
  'language',
  'violenceForms',
  'childrenAffected',
  'riskLevel',
  'safeContact',
  'message',
] as const;
export const ReferralField = z.enum(REFERRAL_FIELDS);
export type ReferralField = z.infer<typeof ReferralField>;

export const ConsentExceptionKind = z.enum(['child_at_risk', 'imminent_danger']);

export const CreateReferralBody = z
  .object({
    /** Made by the console, so a retried send never makes a second referral. */
    id: z.uuid(),
    consultationId: z.uuid(),
    partnerId: z.uuid(),
    urgency: ReferralUrgency,
    consent: z.union([
      z.object({ basis: z.literal('caller_consent') }).strict(),
      z
        .object({
          exception: ConsentExceptionKind,
          reason: z.string().trim().min(10, 'Explain the exception in a sentence.').max(1000),
        })
        .strict(),
    ]),
    fields: z.array(ReferralField).max(REFERRAL_FIELDS.length),
    /** Free text for the partner (only when the "message" field is chosen). */
    message: z.string().trim().max(2000).optional(),
  })
  .strict()
  .refine((b) => !b.message || b.fields.includes('message'), {
    message: 'Choose the "message" field to send a message.',
    path: ['message'],
  })
  .meta({ id: 'CreateReferralBody' });
export type CreateReferralBody = z.infer<typeof CreateReferralBody>;

/** What the partner receives: only the chosen fields. */
export const ReferralContent = z
  .object({
    region: z.string(),
    /** A key of the taxonomy's `settlements`, as `region` is a key of its regions. */
    settlement: Settlement,
    ageBand: z.string(),
    gender: z.string(),
    language: z.string(),
    violenceForms: z.array(z.string()),
    childrenAffected: z.string(),
    riskLevel: z.string(),
    safeContact: z.object({
      safeToTalk: z.string().optional(),
      callbackFrom: z.string().optional(),
      callbackTo: z.string().optional(),
      voicemailAllowed: z.string().optional(),
    }),
    message: z.string(),
  })
  .partial()
  .meta({ id: 'ReferralContent' });
export type ReferralContent = z.infer<typeof ReferralContent>;

export const ReferralEvent = z.object({
  status: ReferralStatus,
  at: z.iso.datetime({ offset: true }),
  by: z.string().nullable(),
  note: z.string().nullable(),
});

/** A referral as hotline staff see it. */
export const Referral = z
  .object({
    id: z.uuid(),
    /** R-2026-000045: what people read and quote; partners see it too. */
    reference: z.string(),
    consultationId: z.uuid(),
    /** The consultation's K-2026-000123 (staff only). */
    consultationReference: z.string(),
    partner: z.object({ id: z.uuid(), name: LocalizedText, type: PartnerType, channel: z.string() }),
    urgency: ReferralUrgency,
    status: ReferralStatus,
    consent: z.object({
      basis: z.string().nullable(),
      exception: z.string().nullable(),
      reason: z.string().nullable(),
    }),
    fields: z.array(z.string()),
    attempts: z.number().int(),
    lastError: z.string().nullable(),
    outcome: z.string().nullable(),
    rejectionReason: z.string().nullable(),
    /** When retention removed its content and sealed texts (docs/security.md "Retention"). */
    contentRemovedAt: z.iso.datetime({ offset: true }).nullable().optional(),
    createdBy: z.object({ id: z.uuid(), displayName: z.string() }),
    createdAt: z.iso.datetime({ offset: true }),
    updatedAt: z.iso.datetime({ offset: true }),
    events: z.array(ReferralEvent),
  })
  .meta({ id: 'Referral' });
export type Referral = z.infer<typeof Referral>;

/** A referral as its partner sees it: no consultation id, no operator, only the content consent allowed. */
export const PartnerReferral = z
  .object({
    id: z.uuid(),
    /** R-2026-000045: the partner quotes it when calling the line back. */
    reference: z.string(),
    urgency: ReferralUrgency,
    status: ReferralStatus,
    createdAt: z.iso.datetime({ offset: true }),
    content: ReferralContent,
    outcome: z.string().nullable(),
    rejectionReason: z.string().nullable(),
    /** When retention removed its content and texts: `content` is then empty (docs/security.md "Retention"). */
    contentRemovedAt: z.iso.datetime({ offset: true }).nullable().optional(),
  })
  .meta({ id: 'PartnerReferral' });
export type PartnerReferral = z.infer<typeof PartnerReferral>;

export const PartnerStatusBody = z
  .object({
    status: PartnerAction,
    reason: z.string().trim().min(3).max(1000).optional(),
    outcome: z.string().trim().max(1000).optional(),
  })
  .strict()
  .refine((b) => b.status !== 'rejected' || Boolean(b.reason), {
    message: 'Give the reason for rejecting.',
    path: ['reason'],
  })
  .meta({ id: 'PartnerStatusBody' });
export type PartnerStatusBody = z.infer<typeof PartnerStatusBody>;

export const PartnerSuggestion = z.object({
  partnerId: z.uuid(),
  name: LocalizedText,
  type: PartnerType,
  channel: z.string(),
  openNow: z.boolean(),
  servesRegion: z.boolean(),
  calledFor: z.boolean(),
});
export type PartnerSuggestion = z.infer<typeof PartnerSuggestion>;

export const DEFAULT_ESCALATION_MINUTES = 15;
export const MAX_ESCALATION_MINUTES = 24 * 60;
/** PUT /api/admin/partner-types/:type/escalation: whole minutes an urgent referral to that type may wait. */
export const EscalationBody = z
  .object({ minutes: z.number().int().min(1).max(MAX_ESCALATION_MINUTES) })
  .strict();
export type EscalationBody = z.infer<typeof EscalationBody>;
export const REFERRAL_DELIVERY_ATTEMPTS = 6;
export const ACK_LINK_HOURS = 72;
