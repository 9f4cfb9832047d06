import type { TFunction } from 'i18next';
import type { ResolverOptions } from 'react-hook-form';
import { describe, expect, it } from 'vitest';
import { zodFormResolver } from '../../lib/use-zod-form';
import { issueMessage } from '../../lib/validation';
import { draftOf, type PartnerDraft, PartnerFields, partnerIssue } from './partner-draft';

/** Keys instead of the translations, so the test reads which message was chosen. */
const t = ((key: string) => key) as TFunction;
const resolve = zodFormResolver(
  () => PartnerFields,
  (issue) => partnerIssue(issue, t) ?? issueMessage(issue, t),
);
const options: ResolverOptions<PartnerDraft> = {
  fields: {},
  shouldUseNativeValidation: false,
  criteriaMode: 'firstError',
};

function draft(patch: Partial<PartnerDraft>): PartnerDraft {
  return {
    ...draftOf(null),
    slug: 'sezim',
    name: { ky: 'Сезим', ru: 'Сезим', en: 'Sezim' },
    regions: ['KG-GB'],
    ...patch,
  };
}

describe('the partner form, checked by the domain’s CreatePartnerBody', () => {
  it('names a missing region and a webhook partner’s missing URL in one answer', async () => {
    const { errors } = await resolve(draft({ regions: [], channel: 'webhook' }), undefined, options);
    expect(errors.regions?.message).toBe('partners.regionsNeeded');
    expect(errors.webhookUrl?.message).toBe('partners.webhookUrlNeeded');
  });

  it('asks an e-mail partner for its address, and nothing of a portal partner', async () => {
    const email = await resolve(draft({ channel: 'email' }), undefined, options);
    expect(email.errors.email?.message).toBe('partners.emailNeeded');
    const portal = await resolve(draft({ channel: 'portal' }), undefined, options);
    expect(portal.errors).toEqual({});
  });

  it('puts an opening hour left empty under the hours, and a bad contact e-mail under that contact', async () => {
    const base = draft({});
    const { errors } = await resolve(
      {
        ...base,
        always: false,
        days: { ...base.days, weekdays: { open: true, from: '', to: '18:00' } },
        contacts: [{ name: 'Aida', role: '', phone: '', email: 'not-an-address' }],
      },
      undefined,
      options,
    );
    // Under the body's path: the hours are one field of the body, several of the form.
    const byBodyPath: Record<string, unknown> = errors;
    expect(JSON.stringify(byBodyPath.hours)).toContain('partners.hoursInvalid');
    expect(errors.contacts?.[0]?.email?.message).toBe('partners.contactEmailInvalid');
  });

  it('gives the body the API takes: trimmed, set hours only, empty contacts left out', async () => {
    const base = draft({});
    const { values } = await resolve(
      {
        ...base,
        slug: ' sezim ',
        always: false,
        channel: 'webhook',
        webhookUrl: ' https://sezim.example.kg/korgon ',
        contacts: [
          { name: 'Aida', role: '', phone: '+996 312 000000', email: '' },
          { name: ' ', role: '', phone: '', email: '' },
        ],
      },
      undefined,
      options,
    );
    expect(values).toMatchObject({
      slug: 'sezim',
      hours: { weekdays: ['09:00', '18:00'] },
      webhookUrl: 'https://sezim.example.kg/korgon',
      email: null,
      contacts: [{ name: 'Aida', phone: '+996 312 000000' }],
    });
  });
});
