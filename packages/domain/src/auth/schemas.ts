import { z } from 'zod';
import { Locale } from '../i18n/locales';
import { Role } from './roles';
import { PendingStep } from './second-factor';

export const Username = z
  .string()
  .trim()
  .min(1, 'Enter your username.')
  .max(64, 'A username has at most 64 characters.')
  .regex(/^[a-z0-9][a-z0-9._-]*$/i, 'A username has only letters, digits, dots, dashes and underscores.');

export const LoginBody = z
  .object({
    username: Username,
    password: z.string().min(1, 'Enter your password.').max(1024, 'A password has at most 1024 characters.'),
  })
  .meta({ id: 'LoginBody' });
export type LoginBody = z.infer<typeof LoginBody>;

export const Me = z
  .object({
    id: z.uuid(),
    username: z.string(),
    displayName: z.string(),
    role: Role,
    locale: Locale,
    partnerOrgId: z.uuid().nullable(),
    permissions: z.array(z.string()),
    /**
     * Signed in with a one-time password: until it is changed, every API but changing the password, signing
     * out and this one answers 403 `password_change_required`.
     */
    mustChangePassword: z.boolean(),
    /**
     * Only on a session that still lacks the second factor (the password was right): 'totp' — send the code
     * (POST /api/auth/second-factor/verify); 'enrol' — set it up first. Such a session has no permissions and
     * opens only the second-factor routes, this one and signing out.
     */
    next: PendingStep.optional(),
  })
  .meta({ id: 'Me' });
export type Me = z.infer<typeof Me>;

export const UpdateMeBody = z.object({ locale: Locale }).meta({ id: 'UpdateMeBody' });
export type UpdateMeBody = z.infer<typeof UpdateMeBody>;

export const SessionInfo = z
  .object({
    id: z.string(),
    createdAt: z.iso.datetime({ offset: true }),
    lastSeenAt: z.iso.datetime({ offset: true }),
    expiresAt: z.iso.datetime({ offset: true }),
    userAgent: z.string().nullable(),
    current: z.boolean(),
  })
  .meta({ id: 'SessionInfo' });
export type SessionInfo = z.infer<typeof SessionInfo>;

/** Minimum rules for a password set by an admin or a user. */
export const NewPassword = z
  .string()
  .min(12, 'A password has at least 12 characters.')
  .max(1024, 'A password has at most 1024 characters.');

export const ChangePasswordBody = z
  .object({
    currentPassword: z.string().min(1, 'Enter your current password.').max(1024),
    newPassword: NewPassword,
  })
  .refine((b) => b.currentPassword !== b.newPassword, {
    message: 'The new password must differ from the current one.',
    path: ['newPassword'],
  })
  .meta({ id: 'ChangePasswordBody' });
export type ChangePasswordBody = z.infer<typeof ChangePasswordBody>;
