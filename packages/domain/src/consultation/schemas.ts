import { z } from 'zod';
import { ErrorBody } from '../http/errors';
import { Answer } from '../risk/methodology';

const Ref = z.string().min(1).max(64);
export const YesNoUnknown = z.enum(['yes', 'no', 'unknown']);
const Consent = z.enum(['yes', 'no', 'not_asked']);
const iso = z.iso.datetime({ offset: true });
const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time like 18:30');

/**
 * The structured, coarse part of a consultation (docs/domain.md §4, §6). Option fields hold taxonomy ids; the
 * taxonomy version the record was made under says what they mean. A draft may be incomplete; finalizing
 * checks it against that taxonomy.
 */
export const ConsultationData = z
  .object({
    contactKind: Ref.optional(),
    callerRole: Ref.optional(),
    survivor: z
      .object({
        gender: Ref,
        ageBand: Ref,
        region: Ref,
        settlement: Ref,
        disability: YesNoUnknown,
        disabilityType: Ref,
        language: Ref,
      })
      .partial()
      .strict()
      .default({}),
    violenceForms: z.array(Ref).max(30).default([]),
    perpetrator: z.object({ relation: Ref, gender: Ref, ageBand: Ref }).partial().strict().default({}),
    childrenAffected: YesNoUnknown.optional(),
    servicesGiven: z.array(Ref).max(30).default([]),
    safeContact: z
      .object({
        safeToTalk: YesNoUnknown,
        callbackFrom: HHMM,
        callbackTo: HHMM,
        voicemailAllowed: YesNoUnknown,
      })
      .partial()
      .strict()
      .default({}),
    consent: z.object({ referral: Consent, statistics: Consent }).partial().strict().default({}),
    followUp: z.object({ agreed: z.boolean(), due: iso }).partial().strict().default({}),
    /** A protection order the caller has: its date and kind, never its number (docs/domain.md §10). */
    protectionOrder: z
      .object({ has: YesNoUnknown, issuedOn: z.iso.date(), kind: z.enum(['temporary', 'court', 'other']) })
      .partial()
      .strict()
      .default({}),
    /** Safety-plan checklist: item id → worked through with the caller. */
    safetyPlan: z.record(Ref, z.boolean()).default({}),
  })
  .strict()
  .meta({ id: 'ConsultationData' });
export type ConsultationData = z.infer<typeof ConsultationData>;

/** A record with nothing recorded yet: every group present and empty (the schema's defaults). */
export const emptyConsultationData = (): ConsultationData => ConsultationData.parse({});

/** Free text: encrypted at rest, never in statistics, never in logs. */
export const ConsultationSecret = z
  .object({
    notes: z.string().max(20_000, 'Notes have at most 20,000 characters.').default(''),
    codeWord: z.string().max(200).default(''),
    ifCallDrops: z.string().max(1000).default(''),
  })
  .strict()
  .meta({ id: 'ConsultationSecret' });
export type ConsultationSecret = z.infer<typeof ConsultationSecret>;

export const SaveConsultationBody = z
  .object({
    /** The revision this save was based on: 0 for a new record. */
    baseRevision: z.number().int().min(0),
    channel: Ref.default('call'),
    callId: z.uuid().nullable().optional(),
    data: ConsultationData,
    secret: ConsultationSecret,
  })
  .strict()
  .meta({ id: 'SaveConsultationBody' });
export type SaveConsultationBody = z.infer<typeof SaveConsultationBody>;

export const OverrideStatus = z.enum(['applied', 'pending_sign_off', 'signed', 'refused']);
export const RiskOverride = z.object({
  level: z.string(),
  reason: z.string(),
  direction: z.enum(['raise', 'lower']),
  status: OverrideStatus,
  by: z.object({ id: z.uuid(), displayName: z.string() }),
  at: iso,
  signedBy: z.object({ id: z.uuid(), displayName: z.string() }).nullable(),
  signedAt: iso.nullable(),
  signOffNote: z.string().nullable(),
});
export type RiskOverride = z.infer<typeof RiskOverride>;

export const RiskRecord = z
  .object({
    id: z.uuid(),
    methodologyId: z.string(),
    methodologyVersion: z.string(),
    answers: z.record(z.string(), Answer),
    score: z.number(),
    computedLevel: z.string(),
    minimumLevel: z.string(),
    finalLevel: z.string(),
    override: RiskOverride.nullable(),
    createdAt: iso,
  })
  .meta({ id: 'RiskRecord' });
export type RiskRecord = z.infer<typeof RiskRecord>;

export const Addendum = z.object({
  id: z.uuid(),
  author: z.object({ id: z.uuid(), displayName: z.string() }),
  createdAt: iso,
  /** Empty once retention shredded it (shreddedAt). */
  text: z.string(),
  /** sha256 of the consultation id, author, time and text; the same hash is in the audit log. */
  signature: z.string(),
  /** When retention shredded its text (docs/security.md "Retention"); null or absent: it is there. */
  shreddedAt: iso.nullable().optional(),
});

export const Consultation = z
  .object({
    id: z.uuid(),
    /** K-2026-000123: what people read and quote (see parseReference). */
    reference: z.string(),
    callId: z.uuid().nullable(),
    channel: z.string(),
    /** The earlier consultation this contact follows (a call-back); the whole case: GET …/chain. */
    previousId: z.uuid().nullable(),
    /** The follow-up this consultation does; finalizing it makes the follow-up done. */
    followUpId: z.uuid().nullable(),
    operator: z.object({ id: z.uuid(), displayName: z.string() }),
    status: z.enum(['draft', 'final']),
    revision: z.number().int(),
    taxonomyVersion: z.string(),
    data: ConsultationData,
    secret: ConsultationSecret,
    /**
     * When retention shredded the free text (notes, code word, what to do if the call drops): `secret` is then
     * empty, and the structured fields stay. Null or absent: the text is there.
     */
    notesShreddedAt: iso.nullable().optional(),
    risk: RiskRecord.nullable(),
    addenda: z.array(Addendum),
    repeatContacts: z.number().int(),
    createdAt: iso,
    updatedAt: iso,
    finalizedAt: iso.nullable(),
  })
  .meta({ id: 'Consultation' });
export type Consultation = z.infer<typeof Consultation>;

/**
 * What an autosave answers by default: the new revision, no more (the console has the content it sent). Ask for
 * the full record with `?view=full`.
 */
export const ConsultationSaved = z
  .object({
    id: z.uuid(),
    status: z.literal('draft'),
    revision: z.number().int(),
    updatedAt: iso,
  })
  // Strict, so that a full record never passes for one (answers are matched against it first: it is the
  // common answer, and the cheap one to check).
  .strict()
  .meta({ id: 'ConsultationSaved' });
export type ConsultationSaved = z.infer<typeof ConsultationSaved>;

export const SaveConsultationQuery = z
  .object({
    view: z
      .enum(['full'], { message: 'view can only be "full"' })
      .optional()
      .meta({ description: 'answer with the full record instead of the new revision' }),
  })
  .strict();

export const ConsultationConflict = ErrorBody.extend({ current: Consultation }).meta({
  id: 'ConsultationConflict',
});

export const FinalizeBody = z.object({ revision: z.number().int().min(0) }).strict();
export const AddendumBody = z
  .object({ text: z.string().trim().min(1, 'Write the addendum.').max(5000) })
  .strict();

export const RiskBody = z
  .object({
    methodologyId: z.string().min(1),
    version: z.string().min(1),
    answers: z.record(z.string(), Answer),
    override: z
      .object({
        level: z.string().min(1),
        reason: z.string().trim().min(3, 'Give the reason for the override.').max(1000),
      })
      .strict()
      .nullable()
      .optional(),
  })
  .strict()
  .meta({ id: 'RiskBody' });
export type RiskBody = z.infer<typeof RiskBody>;

export const AssessBody = RiskBody.omit({ override: true }).meta({ id: 'AssessBody' });

export const SignOffBody = z
  .object({ approve: z.boolean(), note: z.string().trim().max(1000).optional() })
  .strict();

export const HistoryEntry = z
  .object({
    id: z.uuid(),
    reference: z.string(),
    createdAt: iso,
    status: z.enum(['draft', 'final']),
    contactKind: z.string().nullable(),
    violenceForms: z.array(z.string()),
    riskLevel: z.string().nullable(),
    followUp: z.object({ agreed: z.boolean().optional(), due: z.string().optional() }),
    taxonomyVersion: z.string(),
  })
  .meta({ id: 'HistoryEntry' });

export const ConsultationIdParams = z.object({ id: z.uuid('The consultation id must be a UUID.') });

export const DraftSummary = z
  .object({
    id: z.uuid(),
    reference: z.string(),
    callId: z.uuid().nullable(),
    channel: z.string(),
    revision: z.number().int(),
    contactKind: z.string().nullable(),
    updatedAt: z.iso.datetime({ offset: true }),
  })
  .meta({ id: 'DraftSummary' });

export const PendingSignOff = z
  .object({
    assessmentId: z.uuid(),
    consultationId: z.uuid(),
    consultationReference: z.string(),
    operator: z.object({ id: z.uuid(), displayName: z.string() }),
    computedLevel: z.string(),
    requestedLevel: z.string(),
    reason: z.string(),
    at: z.iso.datetime({ offset: true }),
  })
  .meta({ id: 'PendingSignOff' });
