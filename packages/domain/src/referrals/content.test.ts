import { describe, expect, it } from 'vitest';
import { ConsultationData } from '../consultation/schemas';
import { referralContent } from './content';
import { REFERRAL_FIELDS, ReferralContent } from './schemas';

const data = ConsultationData.parse({
  survivor: { region: 'KG-GB', ageBand: '26-40', gender: 'female', language: 'ky' },
  violenceForms: ['physical', 'threats'],
  childrenAffected: 'yes',
  consent: { referral: 'yes' },
  safeContact: { callbackFrom: '18:00', callbackTo: '20:00' },
});

describe('what a partner receives', () => {
  it('holds only the chosen fields that the record has, and the message only with its field', () => {
    expect(referralContent(['region', 'riskLevel'], data, 'high', 'hello')).toEqual({
      region: 'KG-GB',
      riskLevel: 'high',
    });
    expect(referralContent(['settlement', 'message'], data, null, '  hello  ')).toEqual({ message: 'hello' });
    expect(referralContent(['message'], data, null, '   ')).toEqual({});
    expect(referralContent(['safeContact', 'violenceForms'], data, null)).toEqual({
      safeContact: { callbackFrom: '18:00', callbackTo: '20:00' },
      violenceForms: ['physical', 'threats'],
    });
  });

  it('never holds a field that was not chosen, whatever the record holds', () => {
    const all = referralContent(REFERRAL_FIELDS, data, 'high', 'hello');
    for (const field of REFERRAL_FIELDS) {
      const without = referralContent(
        REFERRAL_FIELDS.filter((f) => f !== field),
        data,
        'high',
        'hello',
      );
      expect(Object.keys(without)).not.toContain(field);
      expect(without).toEqual(Object.fromEntries(Object.entries(all).filter(([k]) => k !== field)));
    }
    expect(referralContent([], data, 'high', 'hello')).toEqual({});
  });

  it('leaves the message out when none is given: the server seals it apart from the content', () => {
    expect(referralContent(['region', 'message'], data, null)).toEqual({ region: 'KG-GB' });
  });

  it('sends the settlement only as one of the taxonomy’s choices', () => {
    const rural = ConsultationData.parse({ survivor: { settlement: 'rural' } });
    expect(referralContent(['settlement'], rural, null)).toEqual({ settlement: 'rural' });
    const typed = ConsultationData.parse({ survivor: { settlement: 'Ош, Ленина 5' } });
    expect(referralContent(['settlement'], typed, null)).toEqual({});
  });

  it('is always content the partner schema accepts', () => {
    const content = referralContent(REFERRAL_FIELDS, data, 'high', 'hello');
    expect(ReferralContent.parse(content)).toEqual(content);
  });
});
