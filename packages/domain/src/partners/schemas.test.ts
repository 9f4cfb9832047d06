import { describe, expect, it } from 'vitest';
import { CreatePartnerBody, PartnerChannelReady, partnerChannelGap, UpdatePartnerBody } from './schemas';

const partner = {
  slug: 'sezim',
  name: { ky: 'Сезим', ru: 'Сезим', en: 'Sezim' },
  type: 'crisis_centre',
  regions: ['KG-GB'],
};

describe('a partner’s channel and the address it needs', () => {
  it('is one rule: a webhook needs its URL, e-mail its address, the portal nothing', () => {
    expect(partnerChannelGap({ channel: 'webhook', webhookUrl: null })?.path).toBe('webhookUrl');
    expect(partnerChannelGap({ channel: 'email', email: '' })?.path).toBe('email');
    expect(partnerChannelGap({ channel: 'portal' })).toBeNull();
    expect(partnerChannelGap({ channel: 'webhook', webhookUrl: 'https://x.example.kg/' })).toBeNull();
  });

  it('is named alongside the body’s other issues, so one answer says everything missing', () => {
    const parsed = CreatePartnerBody.safeParse({ ...partner, regions: [], channel: 'webhook' });
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toEqual(['regions', 'webhookUrl']);
  });

  it('holds for a whole change too, when asked for', () => {
    const change = UpdatePartnerBody.check(PartnerChannelReady);
    expect(change.safeParse({ channel: 'email', email: null }).error?.issues[0]?.path).toEqual(['email']);
    expect(change.safeParse({ active: false }).success).toBe(true);
  });
});

describe('a change to a partner', () => {
  it('carries only the fields sent: nothing left out is reset to a default', () => {
    expect(UpdatePartnerBody.parse({ regions: ['KG-C'] })).toEqual({ regions: ['KG-C'] });
    expect(UpdatePartnerBody.parse({ active: false })).toEqual({ active: false });
  });

  it('while a new partner still gets the defaults', () => {
    const created = CreatePartnerBody.parse({ ...partner, channel: 'portal' });
    expect(created).toMatchObject({ languages: ['ky', 'ru'], active: true, contacts: [], webhookUrl: null });
  });
});
