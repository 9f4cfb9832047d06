import { ConsultationData, referralContent, TAXONOMY_KG_2026_1 } from '@korgon/domain';
import type { TFunction } from 'i18next';
import { describe, expect, it } from 'vitest';
import { contentRows } from './content';

const data = ConsultationData.parse({
  survivor: { region: 'KG-GB', ageBand: '26-40', gender: 'female' },
  violenceForms: ['physical', 'threats'],
  consent: { referral: 'yes' },
  safeContact: { callbackFrom: '18:00', callbackTo: '20:00' },
});
/** Keys and their values, so the rows can be read without the translations. */
const t = ((key: string, o?: Record<string, unknown>) =>
  o ? `${key} ${JSON.stringify(o)}` : key) as TFunction;

// Which fields the partner receives is the domain's rule (packages/domain/src/referrals/content.test.ts); here,
// how the console shows that content.
describe('what a partner receives, as the console shows it', () => {
  it('is shown with the taxonomy’s labels in the reader’s language, in field order', () => {
    const content = referralContent(['riskLevel', 'region', 'ageBand', 'settlement'], data, 'high', '');
    const rows = contentRows(content, { t, locale: 'ru', taxonomy: TAXONOMY_KG_2026_1 }, [
      'riskLevel',
      'region',
      'ageBand',
      'settlement',
    ]);
    expect(rows.map((r) => [r.field, r.lines])).toEqual([
      ['region', ['город Бишкек']],
      ['settlement', []],
      ['ageBand', ['26–40']],
      ['riskLevel', ['risk.levels.high']],
    ]);
    // Without a list of chosen fields, only what is there.
    expect(
      contentRows(content, { t, locale: 'ky', taxonomy: TAXONOMY_KG_2026_1 }).map((r) => r.field),
    ).toEqual(['region', 'ageBand', 'riskLevel']);
  });

  it('sends the settlement only as one of the taxonomy’s choices, shown with its label', () => {
    const rural = ConsultationData.parse({ survivor: { settlement: 'rural' } });
    const content = referralContent(['settlement'], rural, null, '');
    expect(content).toEqual({ settlement: 'rural' });
    expect(
      contentRows(content, { t, locale: 'ky', taxonomy: TAXONOMY_KG_2026_1 }).map((r) => r.lines),
    ).toEqual([['Айыл']]);
    const typed = ConsultationData.parse({ survivor: { settlement: 'Ош, Ленина 5' } });
    expect(referralContent(['settlement'], typed, null, '')).toEqual({});
  });
});
