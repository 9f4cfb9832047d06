import type { ConsultationData } from '../consultation/schemas';
import { Settlement } from '../taxonomy/schema';
import type { ReferralContent, ReferralField } from './schemas';

/**
 * What the partner receives (docs/domain.md §7, §9): only the chosen fields that the coarse record holds, and
 * nothing else. The console's preview and the server's sending both call this, so what the operator sees
 * before sending is what is sent. The message is sealed apart from the stored content: the server leaves it
 * out, the preview passes it to show it (only when its field is chosen).
 */
export function referralContent(
  fields: readonly ReferralField[],
  d: ConsultationData,
  riskLevel: string | null,
  message?: string,
): ReferralContent {
  const c: ReferralContent = {};
  const has = (f: ReferralField) => fields.includes(f);
  if (has('region') && d.survivor.region) c.region = d.survivor.region;
  // Only one of the taxonomy's choices: a draft may hold any text there, even an address.
  const settlement = Settlement.safeParse(d.survivor.settlement);
  if (has('settlement') && settlement.success) c.settlement = settlement.data;
  if (has('ageBand') && d.survivor.ageBand) c.ageBand = d.survivor.ageBand;
  if (has('gender') && d.survivor.gender) c.gender = d.survivor.gender;
  if (has('language') && d.survivor.language) c.language = d.survivor.language;
  if (has('violenceForms')) c.violenceForms = d.violenceForms;
  if (has('childrenAffected') && d.childrenAffected) c.childrenAffected = d.childrenAffected;
  if (has('riskLevel') && riskLevel) c.riskLevel = riskLevel;
  if (has('safeContact')) c.safeContact = { ...d.safeContact };
  const text = message?.trim();
  if (has('message') && text) c.message = text;
  return c;
}
