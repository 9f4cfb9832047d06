import { z } from 'zod';
import { Role } from '../auth/roles';
import { NewPassword, Username } from '../auth/schemas';
import { Locale } from '../i18n/locales';

export const UserSummary = z
  .object({
    id: z.uuid(),
    username: z.string(),
    displayName: z.string(),
    role: Role,
    locale: Locale,
    active: z.boolean(),
    partnerOrgId: z.uuid().nullable(),
    /** The PBX extension this person answers calls at (operators and supervisors), unique. */
    extension: z.string().nullable(),
    /** A one-time password was set: the user must change it at the next sign-in. */
    mustChangePassword: z.boolean(),
    /** Has set up the second factor (an administrator can reset it). */
    secondFactorEnrolled: z.boolean(),
    createdAt: z.iso.datetime({ offset: true }),
  })
  .meta({ id: 'UserSummary' });
export type UserSummary = z.infer<typeof UserSummary>;

/** Roles that answer calls, and so may hold a PBX extension. */
export const EXTENSION_ROLES = ['operator', 'supervisor'] as const satisfies readonly Role[];
export const canHoldExtension = (role: Role) => (EXTENSION_ROLES as readonly Role[]).includes(role);

/** A PBX extension as the telephony events name it: digits only, e.g. 101. */
export const Extension = z
  .string()
  .trim()
  .regex(/^[0-9]{2,10}$/, 'An extension is 2 to 10 digits, for example 101.');

/** A person's name as the console shows it: one line, no control characters. */
export const DisplayName = z
  .string()
  .trim()
  .min(1, 'Enter a display name.')
  .max(120, 'A display name has at most 120 characters.')
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
  .regex(/^[^\u0000-\u001f\u007f]*$/, 'A display name is one line of text, without control characters.');

/**
 * The roles the user forms give. A wall display's account (role `wall`) is made, paired and revoked only
 * under Administration → Wall displays (POST /api/admin/wall-displays): it has no password to sign in with.
 */
export const UserRole = Role.exclude(['wall'], {
  error: 'A wall display is not a user: add it under Administration → Wall displays.',
});
export type UserRole = z.infer<typeof UserRole>;
export const USER_ROLES = UserRole.options;

export const CreateUserBody = z
  .object({
    username: Username,
    displayName: DisplayName,
    role: UserRole,
    password: NewPassword,
    locale: Locale.default('ky'),
    partnerOrgId: z.uuid().nullable().default(null),
    extension: Extension.nullable().default(null),
  })
  .refine((u) => (u.role === 'partner') === (u.partnerOrgId !== null), {
    message: 'A partner user needs a partner organisation, and only a partner user has one.',
    path: ['partnerOrgId'],
  })
  .refine((u) => u.extension === null || canHoldExtension(u.role), {
    message: 'Only operators and supervisors answer calls, so only they hold an extension.',
    path: ['extension'],
  })
  .meta({ id: 'CreateUserBody' });
export type CreateUserBody = z.infer<typeof CreateUserBody>;

export const UpdateUserBody = z
  .object({
    role: UserRole.optional(),
    active: z.boolean().optional(),
    displayName: DisplayName.optional(),
    partnerOrgId: z.uuid().nullable().optional(),
    /** The PBX extension; null clears it. Only operators and supervisors hold one. */
    extension: Extension.nullable().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: 'Send at least one field to change.' })
  .meta({ id: 'UpdateUserBody' });
export type UpdateUserBody = z.infer<typeof UpdateUserBody>;

export const UserIdParams = z.object({ id: z.uuid('The user id must be a UUID.') });
export const SessionIdParams = z.object({ id: z.string().min(1).max(128) });

/** The answer to a password reset: shown once to the administrator, never stored in clear. */
export const PasswordResetResult = z
  .object({
    oneTimePassword: z
      .string()
      .meta({ description: 'shown once; the user must change it at the next sign-in' }),
    sessionsEnded: z.number().int(),
  })
  .meta({ id: 'PasswordResetResult' });
export type PasswordResetResult = z.infer<typeof PasswordResetResult>;
