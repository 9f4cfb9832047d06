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
import type pg from 'pg';

/**
 * Where each dimension of issue 12 lives in a consultation, and which values it has (docs/statistics.md,
 * "Tables and dimensions"). A dimension's SQL is an expression over the consultation aliased `k`: its value, or
 * for a multi-valued dimension the array of its values; a record without one has NOT_RECORDED, so every record
 * is in every table.
 */

export type Queryable = Pick<pg.Pool | pg.PoolClient | pg.Client, 'query'>;

export interface StatisticsValue {
  key: string;
  label: LocalizedText;
}

/** What the labels come from: every taxonomy version (newest first) and every risk level of every methodology. */
export interface ReferenceData {
  taxonomies: Taxonomy[];
  riskLevels: StatisticsValue[];
}

/** The record's local (Asia/Bishkek) contact time: the period, month, weekday and hour are all read from it. */
const LOCAL = `(k.created_at AT TIME ZONE 'Asia/Bishkek')`;

const single = (path: string) => `coalesce(nullif(k.data #>> '{${path}}', ''), '${NOT_RECORDED}')`;

/** Each value of the record's array once (an array holding a value twice counts it once). */
const multi = (field: string) =>
  `CASE WHEN jsonb_typeof(k.data -> '${field}') = 'array' AND jsonb_array_length(k.data -> '${field}') > 0
        THEN ARRAY(SELECT DISTINCT jsonb_array_elements_text(k.data -> '${field}'))
        ELSE ARRAY['${NOT_RECORDED}'] END`;

/**
 * The record's referrals that were made (a draft was never sent; a revoked one was withdrawn), each value once:
 * aggregated for the period's consultations in one pass and joined (a lookup per record was the cost of a
 * whole table at a million records).
 */
const REFERRALS_JOIN = `rr AS MATERIALIZED (
    SELECT r.consultation_id, array_agg(DISTINCT p.type::text) AS types, array_agg(DISTINCT r.status::text) AS outcomes
      FROM referrals r
      JOIN partner_orgs p ON p.id = r.partner_org_id
      JOIN consultations k2 ON k2.id = r.consultation_id
     WHERE k2.created_at >= $1 AND k2.created_at < $2 AND r.status NOT IN ('draft', 'revoked')
     GROUP BY r.consultation_id)`;

/** The final level (after any override) of the latest assessment of each of the period's consultations. */
const RISK_JOIN = `rl AS MATERIALIZED (
    SELECT DISTINCT ON (a.consultation_id) a.consultation_id, a.final_level
      FROM risk_assessments a JOIN consultations k2 ON k2.id = a.consultation_id
     WHERE k2.created_at >= $1 AND k2.created_at < $2
     ORDER BY a.consultation_id, a.created_at DESC, a.id DESC)`;

interface Spec {
  /** A single-valued dimension's value (text), or a multi-valued one's values (text[], each once, never empty). */
  sql: string;
  /**
   * What `sql` reads besides the consultation: a CTE over the period ($1, $2), named as `sql` reads it, joined
   * on its consultation_id. Materialized, so that it is computed once even where the planner has no
   * statistics yet and would run it again per record.
   */
  join?: string;
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

const SPECS: Record<StatisticsDimensionKey, Spec> = {
  contactKind: { sql: single('contactKind'), values: fromTaxonomies('contactKinds') },
  callerRole: { sql: single('callerRole'), values: fromTaxonomies('callerRoles') },
  gender: { sql: single('survivor,gender'), values: fromTaxonomies('genders') },
  ageBand: { sql: single('survivor,ageBand'), values: fromTaxonomies('ageBands') },
  region: { sql: single('survivor,region'), values: fromTaxonomies('regions') },
  settlement: { sql: single('survivor,settlement'), values: fromTaxonomies('settlements') },
  violenceForms: { sql: multi('violenceForms'), values: fromTaxonomies('violenceForms') },
  perpetratorRelation: {
    sql: single('perpetrator,relation'),
    values: fromTaxonomies('perpetratorRelations'),
  },
  riskLevel: {
    // The final level (after any override) of the record's latest assessment.
    sql: `coalesce(rl.final_level, '${NOT_RECORDED}')`,
    join: RISK_JOIN,
    values: (ref) => ref.riskLevels,
  },
  servicesGiven: { sql: multi('servicesGiven'), values: fromTaxonomies('services') },
  referralPartnerType: {
    sql: `coalesce(rr.types, ARRAY['${NOT_RECORDED}'])`,
    join: REFERRALS_JOIN,
    values: () => PARTNER_TYPES.map((t) => ({ key: t, label: PARTNER_TYPE_LABELS[t] })),
  },
  referralOutcome: {
    sql: `coalesce(rr.outcomes, ARRAY['${NOT_RECORDED}'])`,
    join: REFERRALS_JOIN,
    values: fromLabels(REFERRAL_OUTCOME_LABELS),
  },
  language: { sql: single('survivor,language'), values: fromTaxonomies('languages') },
  disability: { sql: single('survivor,disability'), values: fromLabels(DISABILITY_LABELS) },
  channel: {
    sql: `coalesce(nullif(k.channel, ''), '${NOT_RECORDED}')`,
    values: fromTaxonomies('channels'),
  },
  month: { sql: `to_char(${LOCAL}, 'YYYY-MM')`, values: (_ref, period) => monthsOf(period) },
  weekday: {
    sql: `extract(isodow FROM ${LOCAL})::int::text`,
    values: () => WEEKDAY_LABELS.map((label, i) => ({ key: String(i + 1), label })),
  },
  hour: {
    sql: `extract(hour FROM ${LOCAL})::int::text`,
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
 * consultation is aliased `k`.
 */
export function dimensionSql(key: StatisticsDimensionKey): string {
  return SPECS[key].sql;
}

/** The CTEs the dimensions' SQL needs (each once), and their joins to follow `FROM consultations k`. */
export function dimensionJoins(keys: readonly StatisticsDimensionKey[]): { ctes: string[]; joins: string } {
  const ctes = [...new Set(keys.map((k) => SPECS[k].join).filter((j) => j !== undefined))];
  const joins = ctes.map((c) => {
    const name = c.slice(0, c.indexOf(' '));
    return `LEFT JOIN ${name} ON ${name}.consultation_id = k.id`;
  });
  return { ctes, joins: joins.join(' ') };
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
