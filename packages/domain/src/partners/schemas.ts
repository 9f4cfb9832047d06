import { z } from 'zod';
import { LocalizedText } from '../i18n/locales';
import { DeliveryChannel, PartnerType } from './types';

const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time like 09:00');

/** Opening hours: always open, or per weekday windows in Asia/Bishkek time. */
export const PartnerHours = z.union([
  z.object({ always: z.literal(true) }).strict(),
  z
    .object({
      weekdays: z.tuple([HHMM, HHMM]).optional(),
      saturday: z.tuple([HHMM, HHMM]).optional(),
      sunday: z.tuple([HHMM, HHMM]).optional(),
    })
    .strict(),
]);
export type PartnerHours = z.infer<typeof PartnerHours>;

export const PartnerContact = z
  .object({
    name: z.string().trim().min(1).max(120),
    role: z.string().max(120).optional(),
    phone: z.string().max(40).optional(),
    email: z.email().optional(),
  })
  .strict();

/** The languages a partner may work in, and those a new partner is given until told otherwise. */
export const PARTNER_LANGUAGES = ['ky', 'ru', 'uz', 'en'] as const;
export const PartnerLanguage = z.enum(PARTNER_LANGUAGES);
export type PartnerLanguage = z.infer<typeof PartnerLanguage>;
export const DEFAULT_PARTNER_LANGUAGES: PartnerLanguage[] = ['ky', 'ru'];

const PartnerFields = {
  slug: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'lower-case letters, digits and dashes'),
  name: LocalizedText,
  type: PartnerType,
  regions: z.array(z.string().min(1).max(16)).min(1, 'name at least one region served'),
  languages: z.array(PartnerLanguage).default(() => [...DEFAULT_PARTNER_LANGUAGES]),
  hours: PartnerHours.default({ always: true }),
  channel: DeliveryChannel,
  webhookUrl: z.url().nullable().default(null),
  email: z.email().nullable().default(null),
  contacts: z.array(PartnerContact).max(20).default([]),
  active: z.boolean().default(true),
};

/** What a delivery channel needs: a webhook partner its URL, an e-mail partner its address, the portal nothing. */
export function partnerChannelGap(p: {
  channel?: string | undefined;
  webhookUrl?: string | null | undefined;
  email?: string | null | undefined;
}): { path: 'webhookUrl' | 'email'; message: string } | null {
  if (p.channel === 'webhook' && !p.webhookUrl)
    return { path: 'webhookUrl', message: 'a webhook partner needs its webhook URL' };
  if (p.channel === 'email' && !p.email)
    return { path: 'email', message: 'an e-mail partner needs its address' };
  return null;
}

const CHANNEL_KEYS: readonly PropertyKey[] = ['channel', 'webhookUrl', 'email'];

/**
 * partnerChannelGap as a check on a partner body (whole, or a whole form's worth of changes). It runs even when
 * other fields failed, so one answer names every missing piece, but not when the channel fields themselves did.
 */
export const PartnerChannelReady = z.superRefine<{
  channel?: string | undefined;
  webhookUrl?: string | null | undefined;
  email?: string | null | undefined;
}>(
  (p, ctx) => {
    const gap = partnerChannelGap(p);
    if (gap) ctx.addIssue({ code: 'custom', path: [gap.path], message: gap.message });
  },
  {
    when: (payload) =>
      typeof payload.value === 'object' &&
      payload.value !== null &&
      !payload.issues.some((i) => CHANNEL_KEYS.includes(i.path?.[0] ?? '')),
  },
);

export const CreatePartnerBody = z
  .object(PartnerFields)
  .strict()
  .check(PartnerChannelReady)
  .meta({ id: 'CreatePartnerBody' });
export type CreatePartnerBody = z.infer<typeof CreatePartnerBody>;
/**
 * A change names only what changes. The create body's defaults are taken off here: with them, zod would fill in
 * every field the client left out, and a PATCH of the regions alone would reset the languages, hours, contacts,
 * webhook URL and e-mail.
 */
export const UpdatePartnerBody = z
  .object({
    ...PartnerFields,
    languages: PartnerFields.languages.unwrap(),
    hours: PartnerFields.hours.unwrap(),
    webhookUrl: PartnerFields.webhookUrl.unwrap(),
    email: PartnerFields.email.unwrap(),
    contacts: PartnerFields.contacts.unwrap(),
    active: PartnerFields.active.unwrap(),
  })
  .partial()
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'Send at least one field to change.' })
  .meta({ id: 'UpdatePartnerBody' });
export type UpdatePartnerBody = z.infer<typeof UpdatePartnerBody>;

export const Partner = z
  .object({
    id: z.uuid(),
    slug: z.string(),
    name: LocalizedText,
    type: PartnerType,
    regions: z.array(z.string()),
    languages: z.array(z.string()),
    hours: PartnerHours,
    channel: DeliveryChannel,
    webhookUrl: z.string().nullable(),
    email: z.string().nullable(),
    contacts: z.array(PartnerContact),
    active: z.boolean(),
    /** Whether a webhook signing secret is set (the secret itself is shown once, when made). */
    hasWebhookSecret: z.boolean(),
  })
  .meta({ id: 'Partner' });
export type Partner = z.infer<typeof Partner>;

/** Minutes before minutes-of-day on a weekday, in Bishkek time (UTC+6, no DST). */
export function isOpenAt(hours: PartnerHours, at: Date): boolean {
  if ('always' in hours) return true;
  const local = new Date(at.getTime() + 6 * 3600_000);
  const day = local.getUTCDay();
  const window = day === 0 ? hours.sunday : day === 6 ? hours.saturday : hours.weekdays;
  if (!window) return false;
  const minutes = local.getUTCHours() * 60 + local.getUTCMinutes();
  const [from, to] = window.map((t) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3)));
  return minutes >= (from ?? 0) && minutes < (to ?? 0);
}
