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
    createdAt: z.iso.datetime({ offset: true }),
  })
  .meta({ id: 'UserSummary' });
export type UserSummary = z.infer<typeof UserSummary>;

export const CreateUserBody = z
  .object({
    username: Username,
    displayName: z.string().trim().min(1, 'Enter a display name.').max(120),
    role: Role,
    password: NewPassword,
    locale: Locale.default('ky'),
    partnerOrgId: z.uuid().nullable().default(null),
  })
  .refine((u) => (u.role === 'partner') === (u.partnerOrgId !== null), {
    message: 'A partner user needs a partner organisation, and only a partner user has one.',
    path: ['partnerOrgId'],
  })
  .meta({ id: 'CreateUserBody' });
export type CreateUserBody = z.infer<typeof CreateUserBody>;

export const UpdateUserBody = z
  .object({
    role: Role.optional(),
    active: z.boolean().optional(),
    displayName: z.string().trim().min(1).max(120).optional(),
    partnerOrgId: z.uuid().nullable().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: 'Send at least one field to change.' })
  .meta({ id: 'UpdateUserBody' });
export type UpdateUserBody = z.infer<typeof UpdateUserBody>;

export const UserIdParams = z.object({ id: z.uuid('The user id must be a UUID.') });
export const SessionIdParams = z.object({ id: z.string().min(1).max(128) });
