import { z } from 'zod';
import type { Role } from './roles';

/**
 * The second factor (docs/security.md "Second factor"): a TOTP code from an authenticator app, or one of ten
 * one-time recovery codes. Supervisors, managers, administrators and partners always need it; operators when
 * an administrator's policy says so (`second_factor.operators` in the system settings).
 */
export const SECOND_FACTOR_ROLES = [
  'supervisor',
  'manager',
  'admin',
  'partner',
] as const satisfies readonly Role[];

/** The system setting that holds the operators' policy. */
export const OPERATORS_POLICY_KEY = 'second_factor.operators';
export const OperatorsPolicy = z.enum(['required', 'optional']);
export type OperatorsPolicy = z.infer<typeof OperatorsPolicy>;

/** Whether this role must have a second factor, under the operators' policy. */
export function needsSecondFactor(role: Role, operators: OperatorsPolicy): boolean {
  if ((SECOND_FACTOR_ROLES as readonly Role[]).includes(role)) return true;
  return role === 'operator' && operators === 'required';
}

/** What a session still lacks: 'totp' the code (or a recovery code), 'enrol' setting up the factor first. */
export const PendingStep = z.enum(['totp', 'enrol']);
export type PendingStep = z.infer<typeof PendingStep>;

/** How many recovery codes a user gets at enrolment (and at each regeneration). */
export const RECOVERY_CODE_COUNT = 10;

/** A 6-digit code from the authenticator app. */
export const TotpCode = z
  .string()
  .trim()
  .regex(/^[0-9]{6}$/, 'Enter the 6-digit code your authenticator app shows.');

export const TotpCodeBody = z.object({ code: TotpCode }).meta({ id: 'TotpCodeBody' });
export type TotpCodeBody = z.infer<typeof TotpCodeBody>;

/** The sign-in's second step: a 6-digit code, or a recovery code (`xxxxx-xxxxx`). */
export const SecondFactorVerifyBody = z
  .object({
    code: z
      .string()
      .trim()
      .min(1, 'Enter the code from your authenticator app, or a recovery code.')
      .max(40, 'A code has at most 40 characters.'),
  })
  .meta({ id: 'SecondFactorVerifyBody' });
export type SecondFactorVerifyBody = z.infer<typeof SecondFactorVerifyBody>;

/** The start of enrolment: the new secret, for the app (QR code or typed) — shown to the user only. */
export const EnrolmentStart = z
  .object({
    /** Base32, as authenticator apps take it when typed in. */
    secret: z.string(),
    /** The otpauth:// URI the QR code holds. */
    otpauthUri: z.string(),
    /** The QR code as an SVG data URL. */
    qrCode: z.string(),
  })
  .meta({ id: 'EnrolmentStart' });
export type EnrolmentStart = z.infer<typeof EnrolmentStart>;

export const RecoveryCodes = z
  .object({
    /** Shown once: only their hashes are kept. */
    recoveryCodes: z.array(z.string()),
  })
  .meta({ id: 'RecoveryCodes' });
export type RecoveryCodes = z.infer<typeof RecoveryCodes>;

/** One's own second factor, for the account page. */
export const SecondFactorStatus = z
  .object({
    enrolled: z.boolean(),
    enrolledAt: z.iso.datetime({ offset: true }).nullable(),
    recoveryCodesLeft: z.number().int(),
    /** This user's role (or the operators' policy) requires it. */
    required: z.boolean(),
  })
  .meta({ id: 'SecondFactorStatus' });
export type SecondFactorStatus = z.infer<typeof SecondFactorStatus>;

export const SecondFactorPolicy = z
  .object({
    operators: OperatorsPolicy,
    updatedAt: z.iso.datetime({ offset: true }).nullable(),
  })
  .meta({ id: 'SecondFactorPolicy' });
export type SecondFactorPolicy = z.infer<typeof SecondFactorPolicy>;

export const SecondFactorPolicyBody = z
  .object({ operators: OperatorsPolicy })
  .meta({ id: 'SecondFactorPolicyBody' });
export type SecondFactorPolicyBody = z.infer<typeof SecondFactorPolicyBody>;

export const SecondFactorResetResult = z
  .object({ ok: z.literal(true), sessionsEnded: z.number().int() })
  .meta({ id: 'SecondFactorResetResult' });
export type SecondFactorResetResult = z.infer<typeof SecondFactorResetResult>;
