import { z } from 'zod';
import { maintenanceRunSchema } from './maintenance-runs';

/**
 * Retention of free text (issue 13, docs/security.md "Retention"): the settings an admin changes in the console
 * (rows of `system_settings`), the runs of the daily job (`maintenance_runs`, kind 'retention') and the legal
 * holds that stop it for one consultation.
 */
export const RETENTION_SETTINGS = {
  /** Days after a consultation is finalized (a draft: last saved) before its free text is shredded. */
  consultationTextDays: { key: 'retention.consultation_text_days', default: 365, min: 30, max: 3650 },
  /** Days after a referral ended (done, rejected or revoked) before its content and sealed texts are removed. */
  referralContentDays: { key: 'retention.referral_content_days', default: 90, min: 7, max: 3650 },
} as const;
export type RetentionSettingName = keyof typeof RETENTION_SETTINGS;

const days = (name: RetentionSettingName, what: string) => {
  const s = RETENTION_SETTINGS[name];
  const message = `${what} must be a whole number of days from ${s.min} to ${s.max}.`;
  return z.number({ message }).int(message).min(s.min, message).max(s.max, message);
};

export const RetentionSettingsBody = z
  .object({
    consultationTextDays: days('consultationTextDays', 'consultationTextDays'),
    referralContentDays: days('referralContentDays', 'referralContentDays'),
  })
  .strict()
  .meta({ id: 'RetentionSettingsBody' });
export type RetentionSettingsBody = z.infer<typeof RetentionSettingsBody>;

export const RetentionSettings = z
  .object({
    consultationTextDays: z.number().int(),
    referralContentDays: z.number().int(),
    /** The last change (null: the defaults, never changed). */
    updatedAt: z.iso.datetime({ offset: true }).nullable(),
    updatedBy: z.object({ id: z.uuid(), displayName: z.string() }).nullable(),
  })
  .meta({ id: 'RetentionSettings' });
export type RetentionSettings = z.infer<typeof RetentionSettings>;

/** What a run did: records changed per kind, and the settings it ran with. Counts only, never content. */
export const RetentionCounts = z
  .object({
    consultations: z.number().int(),
    drafts: z.number().int(),
    addenda: z.number().int(),
    followUpReasons: z.number().int(),
    riskOverrides: z.number().int(),
    referrals: z.number().int(),
    consultationTextDays: z.number().int(),
    referralContentDays: z.number().int(),
  })
  .partial();
export type RetentionCounts = z.infer<typeof RetentionCounts>;

export const RetentionRun = maintenanceRunSchema('RetentionRun', RetentionCounts);
export type RetentionRun = z.infer<typeof RetentionRun>;

export const LegalHold = z
  .object({
    consultationId: z.uuid(),
    reference: z.string(),
    placedAt: z.iso.datetime({ offset: true }).nullable(),
    placedBy: z.object({ id: z.uuid(), displayName: z.string() }).nullable(),
    /** The reason given when it was placed (kept in the audit log only). */
    reason: z.string().nullable(),
    finalizedAt: z.iso.datetime({ offset: true }).nullable(),
    /** Set when the free text was shredded before the hold was placed. */
    notesShreddedAt: z.iso.datetime({ offset: true }).nullable(),
  })
  .meta({ id: 'LegalHold' });
export type LegalHold = z.infer<typeof LegalHold>;

/** A consultation named by its reference (K-2026-000123) or its id. */
export const LegalHoldParams = z.object({
  consultation: z
    .string()
    .trim()
    .min(1, 'Name the consultation by its reference (K-2026-000123) or its id.')
    .max(64, 'Name the consultation by its reference (K-2026-000123) or its id.'),
});

export const LegalHoldBody = z
  .object({
    reason: z
      .string()
      .trim()
      .min(3, 'Give the reason for the hold (for example the court case number).')
      .max(500, 'A reason has at most 500 characters.'),
  })
  .strict()
  .meta({ id: 'LegalHoldBody' });
export type LegalHoldBody = z.infer<typeof LegalHoldBody>;
