import {
  CreatePartnerBody,
  DEFAULT_PARTNER_LANGUAGES,
  type DeliveryChannel,
  PARTNER_LANGUAGES,
  type Partner,
  type PartnerHours,
  type PartnerLanguage,
  type PartnerType,
} from '@korgon/domain';
import type { TFunction } from 'i18next';
import type { UseFormReturn } from 'react-hook-form';
import { z } from 'zod';
import { ApiError } from '../../lib/api';
import type { ZodForm } from '../../lib/use-zod-form';

export const DAYS = ['weekdays', 'saturday', 'sunday'] as const;
export type Day = (typeof DAYS)[number];

interface DayHours {
  open: boolean;
  from: string;
  to: string;
}

interface Contact {
  name: string;
  role: string;
  phone: string;
  email: string;
}

export const EMPTY_CONTACT: Contact = { name: '', role: '', phone: '', email: '' };

/** The partner as the form holds it: every field a string or a box, the hours per day. */
export interface PartnerDraft {
  slug: string;
  name: { ky: string; ru: string; en: string };
  type: PartnerType;
  regions: string[];
  languages: PartnerLanguage[];
  always: boolean;
  days: Record<Day, DayHours>;
  channel: DeliveryChannel;
  webhookUrl: string;
  email: string;
  contacts: Contact[];
  active: boolean;
}

/** The form as its parts see it (the hook's extras are the form's own business). */
export type PartnerDraftForm = UseFormReturn<PartnerDraft, unknown, CreatePartnerBody> &
  Pick<ZodForm<typeof PartnerFields>, 'errorOf' | 'clearIssues'>;

export function draftOf(p: Partner | null): PartnerDraft {
  const hours = p?.hours ?? { always: true as const };
  const day = (d: Day): DayHours => {
    const w = 'always' in hours ? undefined : hours[d];
    return w ? { open: true, from: w[0], to: w[1] } : { open: d === 'weekdays', from: '09:00', to: '18:00' };
  };
  return {
    slug: p?.slug ?? '',
    name: { ky: p?.name.ky ?? '', ru: p?.name.ru ?? '', en: p?.name.en ?? '' },
    type: p?.type ?? 'police',
    regions: p?.regions ?? [],
    languages: p ? PARTNER_LANGUAGES.filter((l) => p.languages.includes(l)) : [...DEFAULT_PARTNER_LANGUAGES],
    always: 'always' in hours,
    days: { weekdays: day('weekdays'), saturday: day('saturday'), sunday: day('sunday') },
    channel: p?.channel ?? 'portal',
    webhookUrl: p?.webhookUrl ?? '',
    email: p?.email ?? '',
    contacts: (p?.contacts ?? []).map((c) => ({
      name: c.name,
      role: c.role ?? '',
      phone: c.phone ?? '',
      email: c.email ?? '',
    })),
    active: p?.active ?? true,
  };
}

function bodyOf(d: PartnerDraft): z.input<typeof CreatePartnerBody> {
  const hours: PartnerHours = d.always
    ? { always: true }
    : Object.fromEntries(
        DAYS.filter((day) => d.days[day].open).map(
          (day) => [day, [d.days[day].from, d.days[day].to]] as const,
        ),
      );
  return {
    slug: d.slug.trim(),
    name: { ky: d.name.ky.trim(), ru: d.name.ru.trim(), en: d.name.en.trim() },
    type: d.type,
    regions: d.regions,
    languages: d.languages,
    hours,
    channel: d.channel,
    webhookUrl: d.webhookUrl.trim() || null,
    email: d.email.trim() || null,
    contacts: d.contacts
      .filter((c) => c.name.trim() || c.role.trim() || c.phone.trim() || c.email.trim())
      .map((c) => ({
        name: c.name.trim(),
        ...(c.role.trim() ? { role: c.role.trim() } : {}),
        ...(c.phone.trim() ? { phone: c.phone.trim() } : {}),
        ...(c.email.trim() ? { email: c.email.trim() } : {}),
      })),
    active: d.active,
  };
}

/**
 * The form's draft as the body the API takes, checked by the domain's CreatePartnerBody, channel rule included.
 * A change sends the whole partner too (every field is on the form), so the same whole-body check holds for it;
 * the server checks the channel rule again on the row as a change leaves it.
 */
export const PartnerFields = z.custom<PartnerDraft>().transform(bodyOf).pipe(CreatePartnerBody);

/** This form's words for the schema's issues; the rest as anywhere in the console (lib/validation). */
export function partnerIssue(issue: z.core.$ZodIssue, t: TFunction): string | undefined {
  const [first, , third] = issue.path.map(String);
  if (first === 'webhookUrl') return t('partners.webhookUrlNeeded');
  if (first === 'email') return t('partners.emailNeeded');
  if (first === 'regions') return t('partners.regionsNeeded');
  if (first === 'slug' && issue.code === 'invalid_format') return t('partners.slugFormat');
  if (first === 'hours') return t('partners.hoursInvalid');
  if (first === 'contacts' && third === 'email') return t('partners.contactEmailInvalid');
  return undefined;
}

/** The server's issues ("body.webhookUrl") under the form's paths; a taken short name under the short name. */
export function partnerServerIssues(error: unknown, t: TFunction, editing: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  if (!(error instanceof ApiError)) return out;
  if (error.status === 409 && !editing) return { slug: t('partners.slugTaken') };
  for (const issue of error.body.issues ?? []) {
    const key = issue.path.replace(/^body\./, '');
    if (key.startsWith('webhookUrl')) out.webhookUrl = t('partners.webhookUrlNeeded');
    else if (key.startsWith('email')) out.email = t('partners.emailNeeded');
    else if (!(key in out)) out[key] = issue.message;
  }
  return out;
}
