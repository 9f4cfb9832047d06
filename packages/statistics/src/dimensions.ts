import type { Queryable } from '@korgon/db';
import {
  DISABILITY_LABELS,
  type LocalizedText,
  MONTH_LABELS,
  MULTI_VALUED_DIMENSIONS,
  NOT_RECORDED,
  NOT_RECORDED_LABEL,
  PARTNER_TYPE_LABELS,
  PARTNER_TYPES,
  REFERRAL_OUTCOME_LABELS,
  STATISTICS_DIMENSION_KEYS,
  STATISTICS_DIMENSION_LABELS,
  type StatisticsDimension,
  type StatisticsDimensionKey,
  type Taxonomy,
  type TaxonomyList,
  WEEKDAY_LABELS,
} from '@korgon/domain';

/**
 * Where each dimension of issue 12 is read, and which values it has (docs/statistics.md, "Tables and
 * dimensions"). A dimension's SQL is an expression over the record's statistics_facts row aliased `f`: its
 * value, or for a multi-valued dimension the array of its values; a record without one has NOT_RECORDED, so
 * every record is in every table.
 */

export type { Queryable };

export interface StatisticsValue {
  key: string;
  label: LocalizedText;
}

/** What the labels come from: every taxonomy version (newest first) and every risk level of every methodology. */
export interface ReferenceData {
  taxonomies: Taxonomy[];
  riskLevels: StatisticsValue[];
}

interface Spec {
  /**
   * A single-valued dimension's value (text), or a multi-valued one's values (text[], each once, never empty),
   * read from the record's row of statistics_facts, aliased `f` (its columns are written by the database from
   * the consultation, its latest assessment and its referrals: migration 0019).
   */
  sql: string;
  /** The rows of a table over this dimension: every value the reference data knows, in its order. */
  values: (ref: ReferenceData, period: { from: string; to: string }) => StatisticsValue[];
}

/** Every option of a taxonomy list over all versions: the newest version's order, then older-only values. */
function fromTaxonomies(list: TaxonomyList) {
  return (ref: ReferenceData): StatisticsValue[] => {
    const seen = new Map<string, StatisticsValue>();
    for (const t of ref.taxonomies)
      for (const o of t[list]) if (!seen.has(o.id)) seen.set(o.id, { key: o.id, label: o.label });
    return [...seen.values()];
  };
}

const fromLabels = (labels: Record<string, LocalizedText>) => (): StatisticsValue[] =>
  Object.entries(labels).map(([key, label]) => ({ key, label }));

const same = (s: string): LocalizedText => ({ en: s, ru: s, ky: s });

/** The months the period touches, YYYY-MM. */
function monthsOf(period: { from: string; to: string }): StatisticsValue[] {
  const out: StatisticsValue[] = [];
  let [y, m] = period.from.split('-').map(Number) as [number, number];
  const last = period.to.slice(0, 7);
  for (;;) {
    const key = `${y}-${String(m).padStart(2, '0')}`;
    if (key > last) break;
    const name = MONTH_LABELS[m - 1] as LocalizedText;
    out.push({ key, label: { en: `${name.en} ${y}`, ru: `${name.ru} ${y}`, ky: `${y}-ж. ${name.ky}` } });
    m += 1;
    if (m > 12) {
      m = 1;
      y += 1;
    }
  }
  return out;
}

/** A fact column; "not recorded" is already written as `_none` (or `{_none}`) by the database. */
const col = (name: string) => `f.${name}`;

const SPECS: Record<StatisticsDimensionKey, Spec> = {
  contactKind: { sql: col('contact_kind'), values: fromTaxonomies('contactKinds') },
  callerRole: { sql: col('caller_role'), values: fromTaxonomies('callerRoles') },
  gender: { sql: col('gender'), values: fromTaxonomies('genders') },
  ageBand: { sql: col('age_band'), values: fromTaxonomies('ageBands') },
  region: { sql: col('region'), values: fromTaxonomies('regions') },
  settlement: { sql: col('settlement'), values: fromTaxonomies('settlements') },
  violenceForms: { sql: col('violence_forms'), values: fromTaxonomies('violenceForms') },
  perpetratorRelation: {
    sql: col('perpetrator_relation'),
    values: fromTaxonomies('perpetratorRelations'),
  },
  riskLevel: {
    // The final level (after any override) of the record's latest assessment.
    sql: col('risk_level'),
    values: (ref) => ref.riskLevels,
  },
  servicesGiven: { sql: col('services_given'), values: fromTaxonomies('services') },
  referralPartnerType: {
    sql: col('referral_partner_types'),
    values: () => PARTNER_TYPES.map((t) => ({ key: t, label: PARTNER_TYPE_LABELS[t] })),
  },
  referralOutcome: {
    sql: col('referral_outcomes'),
    values: fromLabels(REFERRAL_OUTCOME_LABELS),
  },
  language: { sql: col('language'), values: fromTaxonomies('languages') },
  disability: { sql: col('disability'), values: fromLabels(DISABILITY_LABELS) },
  channel: {
    sql: col('channel'),
    values: fromTaxonomies('channels'),
  },
  month: { sql: `to_char(f.day, 'YYYY-MM')`, values: (_ref, period) => monthsOf(period) },
  weekday: {
    sql: `extract(isodow FROM f.day)::int::text`,
    values: () => WEEKDAY_LABELS.map((label, i) => ({ key: String(i + 1), label })),
  },
  hour: {
    sql: 'f.hour::text',
    values: () =>
      Array.from({ length: 24 }, (_, h) => {
        const hh = (n: number) => `${String(n).padStart(2, '0')}:00`;
        return { key: String(h), label: same(`${hh(h)}–${hh(h + 1)}`) };
      }),
  },
};

/** Time dimensions always have a value; every other one has a "not recorded" row, last. */
const TIME_DIMENSIONS: readonly StatisticsDimensionKey[] = ['month', 'weekday', 'hour'];

export function isDimensionKey(key: string): key is StatisticsDimensionKey {
  return (STATISTICS_DIMENSION_KEYS as readonly string[]).includes(key);
}

export function isMultiValued(key: StatisticsDimensionKey): boolean {
  return MULTI_VALUED_DIMENSIONS.includes(key);
}

/** `GET /api/statistics/dimensions`. */
export function statisticsDimensions(): StatisticsDimension[] {
  return STATISTICS_DIMENSION_KEYS.map((key) => ({
    key,
    label: STATISTICS_DIMENSION_LABELS[key],
    multiValued: isMultiValued(key),
  }));
}

/**
 * The SQL of a record's value of the dimension (text), or of its values (text[]) for a multi-valued one; the
 * record's statistics_facts row is aliased `f`.
 */
export function dimensionSql(key: StatisticsDimensionKey): string {
  return SPECS[key].sql;
}

/** The rows of a table over the dimension: every known value in order (zeros included), then "not recorded". */
export function dimensionValues(
  key: StatisticsDimensionKey,
  ref: ReferenceData,
  period: { from: string; to: string },
): StatisticsValue[] {
  const values = SPECS[key].values(ref, period);
  return TIME_DIMENSIONS.includes(key)
    ? values
    : [...values, { key: NOT_RECORDED, label: NOT_RECORDED_LABEL }];
}

/** Every taxonomy version (the active one first, then newest first) and every methodology's levels. */
export async function loadReferenceData(q: Queryable): Promise<ReferenceData> {
  const taxonomies = await q.query<{ document: Taxonomy }>(
    'SELECT document FROM taxonomy_versions ORDER BY active DESC, created_at DESC, version DESC',
  );
  const methodologies = await q.query<{ document: { levels?: { id: string; label?: LocalizedText }[] } }>(
    'SELECT document FROM methodology_versions ORDER BY active DESC, created_at DESC, version DESC',
  );
  const levels = new Map<string, StatisticsValue>();
  for (const m of methodologies.rows)
    for (const l of m.document.levels ?? [])
      if (!levels.has(l.id)) levels.set(l.id, { key: l.id, label: l.label ?? same(l.id) });
  return { taxonomies: taxonomies.rows.map((r) => r.document), riskLevels: [...levels.values()] };
}
