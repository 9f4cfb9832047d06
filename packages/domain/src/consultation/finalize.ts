import type { Taxonomy, TaxonomyList } from '../taxonomy/schema';
import type { ConsultationData } from './schemas';

export interface FinalizeIssue {
  path: string;
  code: 'required' | 'unknown_option';
  message: string;
}

/**
 * What keeps a record from being final, checked against the taxonomy version it was made under. A non-data
 * contact (silent, hang-up, prank, wrong number, information) needs only its kind; a data contact needs the
 * coarse profile, at least one form of violence and one service, and the caller's answer on statistical use.
 */
export function finalizeIssues(t: Taxonomy, d: ConsultationData): FinalizeIssue[] {
  const issues: FinalizeIssue[] = [];
  const required = (path: string, present: boolean) => {
    if (!present) issues.push({ path, code: 'required', message: `${path} is required to finalize.` });
  };
  const known = (path: string, list: TaxonomyList, value: string | undefined) => {
    if (value === undefined) return;
    const options = t[list] as { id: string }[];
    if (!options.some((o) => o.id === value)) {
      issues.push({
        path,
        code: 'unknown_option',
        message: `"${value}" is not an option of ${list} in taxonomy ${t.version}.`,
      });
    }
  };
  required('contactKind', Boolean(d.contactKind));
  known('contactKind', 'contactKinds', d.contactKind);
  known('callerRole', 'callerRoles', d.callerRole);
  known('survivor.gender', 'genders', d.survivor.gender);
  known('survivor.ageBand', 'ageBands', d.survivor.ageBand);
  known('survivor.region', 'regions', d.survivor.region);
  known('survivor.settlement', 'settlements', d.survivor.settlement);
  known('survivor.disabilityType', 'disabilityTypes', d.survivor.disabilityType);
  known('survivor.language', 'languages', d.survivor.language);
  known('perpetrator.relation', 'perpetratorRelations', d.perpetrator.relation);
  known('perpetrator.gender', 'genders', d.perpetrator.gender);
  known('perpetrator.ageBand', 'ageBands', d.perpetrator.ageBand);
  for (const [i, v] of d.violenceForms.entries()) known(`violenceForms.${i}`, 'violenceForms', v);
  for (const [i, v] of d.servicesGiven.entries()) known(`servicesGiven.${i}`, 'services', v);
  const safetyItems = new Set(t.safetyPlan.flatMap((s) => s.items.map((i) => i.id)));
  for (const id of Object.keys(d.safetyPlan)) {
    if (!safetyItems.has(id))
      issues.push({
        path: `safetyPlan.${id}`,
        code: 'unknown_option',
        message: `"${id}" is not a safety-plan item in taxonomy ${t.version}.`,
      });
  }
  const kind = t.contactKinds.find((k) => k.id === d.contactKind);
  if (kind?.data) {
    required('callerRole', Boolean(d.callerRole));
    required('survivor.gender', Boolean(d.survivor.gender));
    required('survivor.ageBand', Boolean(d.survivor.ageBand));
    required('survivor.region', Boolean(d.survivor.region));
    required('violenceForms', d.violenceForms.length > 0);
    required('servicesGiven', d.servicesGiven.length > 0);
    required('consent.statistics', Boolean(d.consent.statistics));
  }
  if (d.followUp.agreed) required('followUp.due', Boolean(d.followUp.due));
  return issues;
}
