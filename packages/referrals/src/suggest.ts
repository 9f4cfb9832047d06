import { dbOn, schema } from '@korgon/db';
import { isOpenAt, PartnerHours, type PartnerSuggestion } from '@korgon/domain';
import { and, eq, inArray, notInArray } from 'drizzle-orm';
import type { Queryable } from './types';

const { partnerOrgs } = schema;

export type Suggestion = PartnerSuggestion;

/**
 * Partners ranked for a referral: of a type the risk actions call for, serving the caller's region, open now.
 * Inactive partners and `exclude` (e.g. the one that did not answer) are left out.
 */
export async function suggestPartners(
  q: Queryable,
  o: {
    region?: string | null;
    types?: PartnerSuggestion['type'][];
    exclude?: string[];
    at?: Date;
    limit?: number;
  },
): Promise<Suggestion[]> {
  const rows = await dbOn(q)
    .select({
      id: partnerOrgs.id,
      name: partnerOrgs.name,
      type: partnerOrgs.type,
      channel: partnerOrgs.channel,
      regions: partnerOrgs.regions,
      hours: partnerOrgs.hours,
    })
    .from(partnerOrgs)
    .where(
      and(
        eq(partnerOrgs.active, true),
        o.exclude?.length ? notInArray(partnerOrgs.id, o.exclude) : undefined,
        o.types?.length ? inArray(partnerOrgs.type, o.types) : undefined,
      ),
    );
  const at = o.at ?? new Date();
  return rows
    .map((p) => {
      const hours = PartnerHours.safeParse(p.hours);
      return {
        partnerId: p.id,
        name: p.name,
        type: p.type,
        channel: p.channel,
        // Hours that do not read as hours (never written through the API) count as closed.
        openNow: hours.success && isOpenAt(hours.data, at),
        servesRegion: o.region ? p.regions.includes(o.region) : false,
        calledFor: o.types ? o.types.includes(p.type) : false,
      };
    })
    .sort(
      (a, b) =>
        Number(b.calledFor) - Number(a.calledFor) ||
        Number(b.servesRegion) - Number(a.servesRegion) ||
        Number(b.openNow) - Number(a.openNow) ||
        a.name.en.localeCompare(b.name.en),
    )
    .slice(0, o.limit ?? 20);
}
