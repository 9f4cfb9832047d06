import { describe, expect, it } from 'vitest';
import { TAXONOMY_KG_2026_1 } from '../taxonomy/kg-2026.1';
import { SETTLEMENTS } from '../taxonomy/schema';
import { ReferralContent } from './schemas';

describe('referral content', () => {
  it('takes a settlement only as a key of the taxonomy’s settlements, naming the field otherwise', () => {
    expect(ReferralContent.parse({ region: 'KG-GB', settlement: 'rural' })).toEqual({
      region: 'KG-GB',
      settlement: 'rural',
    });
    const typed = ReferralContent.safeParse({ settlement: 'Ош, Ленина 5' });
    expect(typed.success).toBe(false);
    expect(typed.error?.issues[0]?.path).toEqual(['settlement']);
  });

  it('offers the same settlements as the taxonomy', () => {
    expect(TAXONOMY_KG_2026_1.settlements.map((o) => o.id)).toEqual([...SETTLEMENTS]);
  });
});
