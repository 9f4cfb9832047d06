import { describe, expect, it } from 'vitest';
import { TAXONOMY_KG_2026_1 } from '../taxonomy/kg-2026.1';
import { Taxonomy } from '../taxonomy/schema';
import { finalizeIssues } from './finalize';
import { ConsultationData } from './schemas';

const t = Taxonomy.parse(TAXONOMY_KG_2026_1);
const data = (d: unknown) => ConsultationData.parse(d);

describe('the first taxonomy', () => {
  it('is valid, with unique ids in every list and ky/ru/en labels', () => {
    for (const [key, list] of Object.entries(t)) {
      if (!Array.isArray(list)) continue;
      const ids = (list as { id: string }[]).map((o) => o.id);
      expect(new Set(ids).size, key).toBe(ids.length);
    }
    expect(t.violenceForms.filter((v) => v.group === 'trafficking').map((v) => v.id)).toHaveLength(4);
    expect(t.regions.map((r) => r.id)).toContain('KG-Y');
  });
});

describe('finalizing a consultation', () => {
  it('needs only the kind for a non-data contact', () => {
    expect(finalizeIssues(t, data({ contactKind: 'silent' }))).toEqual([]);
    expect(finalizeIssues(t, data({}))).toEqual([
      { path: 'contactKind', code: 'required', message: 'contactKind is required to finalize.' },
    ]);
  });

  it('needs the coarse profile, forms of violence, services and the statistics answer for a data contact', () => {
    const paths = finalizeIssues(t, data({ contactKind: 'about_self' })).map((i) => i.path);
    expect(paths).toEqual([
      'callerRole',
      'survivor.gender',
      'survivor.ageBand',
      'survivor.region',
      'violenceForms',
      'servicesGiven',
      'consent.statistics',
    ]);
    const complete = data({
      contactKind: 'about_self',
      callerRole: 'survivor',
      survivor: { gender: 'female', ageBand: '26-40', region: 'KG-C' },
      violenceForms: ['physical', 'trafficking_labour'],
      servicesGiven: ['crisis_counselling'],
      consent: { statistics: 'yes' },
    });
    expect(finalizeIssues(t, complete)).toEqual([]);
    expect(finalizeIssues(t, { ...complete, followUp: { agreed: true } }).map((i) => i.path)).toEqual([
      'followUp.due',
    ]);
  });

  it('refuses options the record’s taxonomy does not have', () => {
    const issues = finalizeIssues(
      t,
      data({ contactKind: 'silent', violenceForms: ['witchcraft'], safetyPlan: { teleport: true } }),
    );
    expect(issues.map((i) => [i.path, i.code])).toEqual([
      ['violenceForms.0', 'unknown_option'],
      ['safetyPlan.teleport', 'unknown_option'],
    ]);
  });
});
