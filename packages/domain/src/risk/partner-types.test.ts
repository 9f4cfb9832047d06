import { describe, expect, it } from 'vitest';
import { KG_HOTLINE_RISK_0_1 } from './kg-hotline-risk-0.1';
import { Methodology, partnerTypesCalledFor } from './methodology';

const m = Methodology.parse(KG_HOTLINE_RISK_0_1);

describe('partner types a level calls for', () => {
  it('reads the methodology’s actions at the level, each type once', () => {
    const types = partnerTypesCalledFor(m.actions, 'critical');
    expect(types).toContain('police');
    expect(new Set(types).size).toBe(types.length);
    expect(partnerTypesCalledFor(m.actions, null)).toEqual([]);
    expect(partnerTypesCalledFor(m.actions, 'no-such-level')).toEqual([]);
  });

  it('follows the version given: another version may call for others at the same level', () => {
    const other = {
      ...m.actions,
      critical: [
        {
          id: 'shelter_only',
          text: { en: 'Shelter', ru: 'Приют', ky: 'Баш калкалоочу жай' },
          referTo: ['shelter' as const],
        },
      ],
    };
    expect(partnerTypesCalledFor(other, 'critical')).toEqual(['shelter']);
  });
});
