import { isOpenAt, type LocalizedText, type PartnerHours, type PartnerType } from '@korgon/domain';
import type { Queryable } from './types';

export interface Suggestion {
  partnerId: string;
  name: LocalizedText;
  type: PartnerType;
  channel: string;
  openNow: boolean;
  servesRegion: boolean;
  calledFor: boolean;
}

/**
 * Partners ranked for a referral: of a type the risk actions call for, serving the caller's region, open now.
 * Inactive partners and `exclude` (e.g. the one that did not answer) are left out.
 */
export async function suggestPartners(
  q: Queryable,
  o: { region?: string | null; types?: string[]; exclude?: string[]; at?: Date; limit?: number },
): Promise<Suggestion[]> {
  const { rows } = await q.query<{
    id: string;
    name: LocalizedText;
    type: PartnerType;
    channel: string;
    regions: string[];
    hours: PartnerHours;
  }>(
    `SELECT id, name, type, channel, regions, hours FROM partner_orgs
      WHERE active AND NOT (id = ANY($1::uuid[])) ${o.types?.length ? 'AND type::text = ANY($2::text[])' : ''}`,
    o.types?.length ? [o.exclude ?? [], o.types] : [o.exclude ?? []],
  );
  const at = o.at ?? new Date();
  return rows
    .map((p) => ({
      partnerId: p.id,
      name: p.name,
      type: p.type,
      channel: p.channel,
      openNow: isOpenAt(p.hours, at),
      servesRegion: o.region ? p.regions.includes(o.region) : false,
      calledFor: o.types ? o.types.includes(p.type) : false,
    }))
    .sort(
      (a, b) =>
        Number(b.calledFor) - Number(a.calledFor) ||
        Number(b.servesRegion) - Number(a.servesRegion) ||
        Number(b.openNow) - Number(a.openNow) ||
        a.name.en.localeCompare(b.name.en),
    )
    .slice(0, o.limit ?? 20);
}
