import { randomUUID } from 'node:crypto';
import { createTestApp, signIn, type TestApp } from '@korgon/dev/testing';
import {
  type Cell,
  DISABILITY_LABELS,
  PARTNER_TYPES,
  REFERRAL_OUTCOME_LABELS,
  STATISTICS_DIMENSION_KEYS,
  type StatisticsDimension,
  type StatisticsDimensionKey,
  type StatisticsTable,
  TAXONOMY_KG_2026_1,
} from '@korgon/domain';
import { loadReferenceData, type RawTable, type ReferenceData, rawTable } from '@korgon/statistics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The statistics API (docs/statistics.md): a generated set of consultations inserted straight into the
 * database, every dimension's counts checked against a recount written here from the generated records (not
 * from the SQL), consent, disclosure control on every answer, and the 400s and 403s.
 */

const T = TAXONOMY_KG_2026_1;
const NONE = '_none';
const FROM = '2026-03-01';
const TO = '2026-03-31';
const HOUR = 3_600_000;

function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = random(5200);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
/** Mostly a value, sometimes none (not asked). */
const maybe = <T>(xs: readonly T[], pNone = 0.1): T | undefined => (rnd() < pNone ? undefined : pick(xs));
const some = <T>(xs: readonly T[], max: number): T[] =>
  Array.from({ length: Math.floor(rnd() * (max + 1)) }, () => pick(xs));
const ids = (list: readonly { id: string }[]) => list.map((o) => o.id);

interface GenReferral {
  partner: number;
  status: string;
  createdAt: Date;
}
interface GenRecord {
  id: string;
  status: 'final' | 'draft';
  channel: string;
  createdAt: Date;
  data: Record<string, unknown>;
  /** Final levels of its assessments, oldest first. */
  levels: string[];
  referrals: GenReferral[];
}

const LEVELS = ['low', 'medium', 'high', 'critical'];
const STATUSES = [
  'draft',
  'queued',
  'sent',
  'delivered',
  'acknowledged',
  'accepted',
  'rejected',
  'done',
  'failed',
  'escalated',
  'revoked',
];

function generate(n: number, partners: number): GenRecord[] {
  const start = new Date('2026-02-25T00:00:00+06:00').getTime();
  const span = 40 * 24 * HOUR; // into early April: some records fall outside the period
  return Array.from({ length: n }, (_, i) => {
    // A few on the period's very edges (Bishkek midnight), the rest anywhere.
    const edge =
      i % 97 === 0
        ? new Date('2026-03-01T00:00:00+06:00').getTime()
        : i % 89 === 0
          ? new Date('2026-04-01T00:00:00+06:00').getTime() - 1
          : null;
    const createdAt = new Date(edge ?? start + Math.floor(rnd() * span));
    const consent = rnd();
    const data: Record<string, unknown> = {
      contactKind: maybe(ids(T.contactKinds), 0.05),
      callerRole: maybe(ids(T.callerRoles)),
      survivor: {
        gender: maybe(ids(T.genders)),
        ageBand: maybe(ids(T.ageBands)),
        region: maybe(ids(T.regions)),
        settlement: maybe(ids(T.settlements)),
        disability: maybe(['yes', 'no', 'unknown']),
        language: maybe(ids(T.languages)),
      },
      // Sometimes a value twice: it counts once.
      violenceForms: some(ids(T.violenceForms), 4),
      perpetrator: { relation: maybe(ids(T.perpetratorRelations)) },
      servicesGiven: some(ids(T.services), 3),
      consent:
        consent < 0.1
          ? { statistics: 'no' }
          : consent < 0.5
            ? { statistics: 'yes' }
            : consent < 0.7
              ? { statistics: 'not_asked' }
              : {},
    };
    const levels = rnd() < 0.5 ? some(LEVELS, 2) : [];
    const referrals: GenReferral[] =
      rnd() < 0.4
        ? Array.from({ length: 1 + Math.floor(rnd() * 3) }, (_, j) => ({
            partner: Math.floor(rnd() * partners),
            status: pick(STATUSES),
            createdAt: new Date(createdAt.getTime() + (j + 1) * 60_000),
          }))
        : [];
    return {
      id: randomUUID(),
      status: rnd() < 0.08 ? 'draft' : 'final',
      channel: pick(ids(T.channels)),
      createdAt,
      data: JSON.parse(JSON.stringify(data)) as Record<string, unknown>,
      levels,
      referrals,
    };
  });
}

/** The local (Bishkek) time of an instant, as a UTC date. */
const local = (d: Date) => new Date(d.getTime() + 6 * HOUR);

/** The recount: a record's values of a dimension, from the generated record itself. */
function valuesOf(r: GenRecord, key: StatisticsDimensionKey, partnerTypes: string[]): string[] {
  const s = (r.data.survivor ?? {}) as Record<string, string | undefined>;
  const one = (v: unknown) => [typeof v === 'string' && v !== '' ? v : NONE];
  const many = (v: unknown) => {
    const xs = [...new Set((v as string[] | undefined) ?? [])];
    return xs.length > 0 ? xs : [NONE];
  };
  const made = r.referrals.filter((x) => x.status !== 'draft' && x.status !== 'revoked');
  switch (key) {
    case 'contactKind':
      return one(r.data.contactKind);
    case 'callerRole':
      return one(r.data.callerRole);
    case 'gender':
      return one(s.gender);
    case 'ageBand':
      return one(s.ageBand);
    case 'region':
      return one(s.region);
    case 'settlement':
      return one(s.settlement);
    case 'language':
      return one(s.language);
    case 'disability':
      return one(s.disability);
    case 'perpetratorRelation':
      return one((r.data.perpetrator as { relation?: string }).relation);
    case 'violenceForms':
      return many(r.data.violenceForms);
    case 'servicesGiven':
      return many(r.data.servicesGiven);
    case 'riskLevel':
      return one(r.levels.at(-1));
    case 'referralPartnerType':
      return made.length ? [...new Set(made.map((x) => partnerTypes[x.partner] as string))] : [NONE];
    case 'referralOutcome':
      return made.length ? [...new Set(made.map((x) => x.status))] : [NONE];
    case 'channel':
      return one(r.channel);
    case 'month':
      return [local(r.createdAt).toISOString().slice(0, 7)];
    case 'weekday':
      return [String(local(r.createdAt).getUTCDay() || 7)];
    case 'hour':
      return [String(local(r.createdAt).getUTCHours())];
  }
}

const counted = (r: GenRecord) => {
  const day = local(r.createdAt).toISOString().slice(0, 10);
  return (
    r.status === 'final' &&
    day >= FROM &&
    day <= TO &&
    (r.data.consent as { statistics?: string }).statistics !== 'no'
  );
};

/** The expected raw table, from the generated records and the row/column keys the API answered. */
function recount(
  records: GenRecord[],
  rows: StatisticsDimensionKey,
  cols: StatisticsDimensionKey | undefined,
  rowKeys: string[],
  colKeys: string[],
  partnerTypes: string[],
) {
  const cells = rowKeys.map(() => colKeys.map(() => 0));
  const rowTotals = rowKeys.map(() => 0);
  const colTotals = colKeys.map(() => 0);
  let total = 0;
  for (const r of records.filter(counted)) {
    total += 1;
    const rv = valuesOf(r, rows, partnerTypes);
    const cv = cols ? valuesOf(r, cols, partnerTypes) : ['all'];
    for (const a of rv) {
      const i = rowKeys.indexOf(a);
      expect(i, `${rows} value ${a} is a row`).toBeGreaterThanOrEqual(0);
      rowTotals[i] = (rowTotals[i] as number) + 1;
      for (const b of cv) {
        const j = colKeys.indexOf(b);
        expect(j, `${cols} value ${b} is a column`).toBeGreaterThanOrEqual(0);
        (cells[i] as number[])[j] = ((cells[i] as number[])[j] as number) + 1;
      }
    }
    for (const b of cv) {
      const j = colKeys.indexOf(b);
      colTotals[j] = (colTotals[j] as number) + 1;
    }
  }
  return { cells, rowTotals, colTotals, total };
}

let t: TestApp;
let records: GenRecord[];
let partnerTypes: string[];
let ref: ReferenceData;
let manager: string;

async function insert(rs: GenRecord[], partnerIds: string[]) {
  const pool = t.db.pool;
  const { rows: ops } = await pool.query<{ id: string }>("SELECT id FROM users WHERE username = 'operator1'");
  const op = ops[0]?.id as string;
  for (const r of rs) {
    await pool.query(
      `INSERT INTO consultations (id, channel, operator_id, taxonomy_version, data, status, created_at, updated_at, finalized_at)
       VALUES ($1, $2, $3, 'kg-2026.1', $4, $5::consultation_status, $6, $6,
               CASE WHEN $5::text = 'final' THEN $6::timestamptz + interval '10 minutes' END)`,
      [r.id, r.channel, op, JSON.stringify(r.data), r.status, r.createdAt],
    );
    for (const [i, level] of r.levels.entries())
      await pool.query(
        `INSERT INTO risk_assessments (consultation_id, methodology_id, methodology_version, answers, score,
                                       computed_level, minimum_level, result, final_level, created_by, created_at)
         VALUES ($1, 'kg-hotline-risk', '0.1', '{}', 0, $2, 'low', '{}', $2, $3, $4)`,
        [r.id, level, op, new Date(r.createdAt.getTime() + (i + 1) * 60_000)],
      );
    for (const x of r.referrals)
      await pool.query(
        `INSERT INTO referrals (id, consultation_id, partner_org_id, urgency, status, created_by, created_at,
                                acknowledged_at, escalated_at)
         VALUES ($1, $2, $3, 'normal', $4::referral_status, $5, $6,
                 CASE WHEN $4::text IN ('acknowledged', 'accepted', 'rejected', 'done') THEN $6::timestamptz + interval '7 minutes' END,
                 CASE WHEN $4::text = 'escalated' THEN $6::timestamptz + interval '15 minutes' END)`,
        [randomUUID(), r.id, partnerIds[x.partner], x.status, op, x.createdAt],
      );
  }
}

beforeAll(async () => {
  t = await createTestApp({ label: 'statistics' });
  const { rows: partners } = await t.db.pool.query<{ id: string; type: string }>(
    'SELECT id, type::text AS type FROM partner_orgs ORDER BY slug',
  );
  partnerTypes = partners.map((p) => p.type);
  records = generate(1500, partners.length);
  await insert(
    records,
    partners.map((p) => p.id),
  );
  ref = await loadReferenceData(t.db.pool);
  manager = await signIn(t.app, 'manager');
}, 180_000);

afterAll(async () => {
  await t?.close();
});

const get = (url: string, cookie = manager) => t.app.inject({ method: 'GET', url, headers: { cookie } });

async function raw(rows: StatisticsDimensionKey, cols?: StatisticsDimensionKey): Promise<RawTable> {
  return rawTable(t.db.pool, ref, { from: FROM, to: TO, rows, cols });
}

function expectRecount(got: RawTable, rows: StatisticsDimensionKey, cols?: StatisticsDimensionKey) {
  const want = recount(
    records,
    rows,
    cols,
    got.rows.map((r) => r.key),
    got.cols.map((c) => c.key),
    partnerTypes,
  );
  expect({ cells: got.cells, rowTotals: got.rowTotals, colTotals: got.colTotals, total: got.total }).toEqual(
    want,
  );
}

describe('aggregates match a recount of the generated records', () => {
  it.each(STATISTICS_DIMENSION_KEYS)('%s alone', async (key) => {
    const got = await raw(key);
    expect(got.total).toBeGreaterThan(800);
    expectRecount(got, key);
  });

  // Each dimension crossed with the next one (multi × multi among them: forms of violence × … and the two
  // referral dimensions), and a few pairs of the monthly report.
  const pairs: [StatisticsDimensionKey, StatisticsDimensionKey][] = [
    ...STATISTICS_DIMENSION_KEYS.map(
      (k, i) =>
        [k, STATISTICS_DIMENSION_KEYS[(i + 1) % STATISTICS_DIMENSION_KEYS.length]] as [
          StatisticsDimensionKey,
          StatisticsDimensionKey,
        ],
    ),
    ['ageBand', 'gender'],
    ['region', 'riskLevel'],
    ['violenceForms', 'servicesGiven'],
    ['referralPartnerType', 'referralOutcome'],
  ];
  it.each(pairs)('%s × %s', async (rows, cols) => {
    expectRecount(await raw(rows, cols), rows, cols);
  });

  it('rows come in the taxonomy’s order, every value (zeros too), then "not recorded"', async () => {
    const got = await raw('violenceForms', 'disability');
    expect(got.rows.map((r) => r.key)).toEqual([...ids(T.violenceForms), NONE]);
    expect(got.cols.map((c) => c.key)).toEqual([...Object.keys(DISABILITY_LABELS), NONE]);
    expect(got.rows[0]?.label).toEqual(T.violenceForms[0]?.label);
    expect((await raw('referralPartnerType')).rows.map((r) => r.key)).toEqual([...PARTNER_TYPES, NONE]);
    expect((await raw('referralOutcome')).rows.map((r) => r.key)).toEqual([
      ...Object.keys(REFERRAL_OUTCOME_LABELS),
      NONE,
    ]);
    expect((await raw('riskLevel')).rows.map((r) => r.key)).toEqual([...LEVELS, NONE]);
    expect((await raw('hour')).rows).toHaveLength(24);
    expect((await raw('month')).rows.map((r) => r.key)).toEqual(['2026-03']);
  });

  it('a multi-valued dimension’s totals count records, not the sum of its cells', async () => {
    const got = await raw('violenceForms', 'servicesGiven');
    const n = records.filter(counted).length;
    expect(got.total).toBe(n);
    expect(got.colTotals.reduce((a, b) => a + b, 0)).toBeGreaterThan(n);
    const sumRow0 = (got.cells[0] as number[]).reduce((a, b) => a + b, 0);
    expect(sumRow0).toBeGreaterThan(got.rowTotals[0] as number);
  });
});

describe('consent', () => {
  it('a record whose caller refused statistical use is counted nowhere', async () => {
    const before = await Promise.all(STATISTICS_DIMENSION_KEYS.map((k) => raw(k)));
    const { rows: partners } = await t.db.pool.query<{ id: string }>(
      'SELECT id FROM partner_orgs ORDER BY slug',
    );
    const refusing: GenRecord = {
      id: randomUUID(),
      status: 'final',
      channel: 'call',
      createdAt: new Date('2026-03-10T12:00:00+06:00'),
      data: {
        contactKind: 'about_self',
        callerRole: 'survivor',
        survivor: {
          gender: 'female',
          ageBand: '26-40',
          region: 'KG-N',
          settlement: 'rural',
          disability: 'yes',
          language: 'ky',
        },
        violenceForms: ['physical', 'economic'],
        perpetrator: { relation: 'husband' },
        servicesGiven: ['safety_plan'],
        consent: { statistics: 'no' },
      },
      levels: ['high'],
      referrals: [{ partner: 0, status: 'accepted', createdAt: new Date('2026-03-10T12:05:00+06:00') }],
    };
    await insert(
      [refusing],
      partners.map((p) => p.id),
    );
    const after = await Promise.all(STATISTICS_DIMENSION_KEYS.map((k) => raw(k)));
    expect(after).toEqual(before);
    // The same record with consent given is counted: the test above could fail.
    await t.db.pool.query(
      `UPDATE consultations SET data = jsonb_set(data, '{consent,statistics}', '"yes"') WHERE id = $1`,
      [refusing.id],
    );
    expect((await raw('region')).total).toBe((before[0] as RawTable).total + 1);
    await t.db.pool.query(
      `UPDATE consultations SET data = jsonb_set(data, '{consent,statistics}', '"no"') WHERE id = $1`,
      [refusing.id],
    );
  });
});

/**
 * statistics_facts is written by triggers (migration 0019): every change that moves a record in a table must
 * move it, whichever statement makes it. One record in May, away from the generated ones.
 */
describe('the facts follow every change of their sources', () => {
  const MAY = { from: '2026-05-01', to: '2026-05-31' };
  const mayTable = (rows: StatisticsDimensionKey) => rawTable(t.db.pool, ref, { ...MAY, rows });
  /** The row keys holding a record, with their counts. */
  const held = async (rows: StatisticsDimensionKey) => {
    const tb = await mayTable(rows);
    return Object.fromEntries(tb.rows.flatMap((r, i) => (tb.rowTotals[i] ? [[r.key, tb.rowTotals[i]]] : [])));
  };

  it('finalizing, assessing, referring, a referral’s status, a partner’s type, consent and deletion', async () => {
    const pool = t.db.pool;
    const { rows: ops } = await pool.query<{ id: string }>(
      "SELECT id FROM users WHERE username = 'operator1'",
    );
    const op = ops[0]?.id as string;
    const { rows: partners } = await pool.query<{ id: string; type: string }>(
      "SELECT id, type::text AS type FROM partner_orgs WHERE type::text <> 'shelter' ORDER BY slug LIMIT 1",
    );
    const partner = partners[0] as { id: string; type: string };
    const id = randomUUID();
    await pool.query(
      `INSERT INTO consultations (id, channel, operator_id, taxonomy_version, data, status, created_at, updated_at)
       VALUES ($1, 'call', $2, 'kg-2026.1', $3, 'draft', '2026-05-12T23:30:00+06:00', now())`,
      [id, op, JSON.stringify({ contactKind: 'about_self', survivor: { region: 'KG-N' } })],
    );
    // A draft is not counted.
    expect((await mayTable('region')).total).toBe(0);
    await pool.query("UPDATE consultations SET status = 'final', finalized_at = now() WHERE id = $1", [id]);
    expect(await held('region')).toEqual({ 'KG-N': 1 });
    // The Bishkek day and hour of the contact, not UTC's.
    expect(await held('hour')).toEqual({ '23': 1 });
    expect(await held('weekday')).toEqual({ '2': 1 });
    expect(await held('riskLevel')).toEqual({ [NONE]: 1 });

    const assess = (level: string) =>
      pool.query(
        `INSERT INTO risk_assessments (consultation_id, methodology_id, methodology_version, answers, score,
                                       computed_level, minimum_level, result, final_level, created_by)
         VALUES ($1, 'kg-hotline-risk', '0.1', '{}', 0, $2, 'low', '{}', $2, $3)`,
        [id, level, op],
      );
    await assess('medium');
    expect(await held('riskLevel')).toEqual({ medium: 1 });
    await pool.query("UPDATE risk_assessments SET final_level = 'critical' WHERE consultation_id = $1", [id]);
    expect(await held('riskLevel')).toEqual({ critical: 1 });

    const referral = randomUUID();
    await pool.query(
      `INSERT INTO referrals (id, consultation_id, partner_org_id, urgency, status, created_by)
       VALUES ($1, $2, $3, 'normal', 'draft', $4)`,
      [referral, id, partner.id, op],
    );
    expect(await held('referralPartnerType')).toEqual({ [NONE]: 1 });
    await pool.query("UPDATE referrals SET status = 'queued' WHERE id = $1", [referral]);
    expect(await held('referralPartnerType')).toEqual({ [partner.type]: 1 });
    expect(await held('referralOutcome')).toEqual({ queued: 1 });
    await pool.query("UPDATE referrals SET status = 'accepted' WHERE id = $1", [referral]);
    expect(await held('referralOutcome')).toEqual({ accepted: 1 });
    await pool.query("UPDATE partner_orgs SET type = 'shelter' WHERE id = $1", [partner.id]);
    try {
      expect(await held('referralPartnerType')).toEqual({ shelter: 1 });
    } finally {
      await pool.query('UPDATE partner_orgs SET type = $2::partner_type WHERE id = $1', [
        partner.id,
        partner.type,
      ]);
    }
    expect(await held('referralPartnerType')).toEqual({ [partner.type]: 1 });

    await pool.query(
      `UPDATE consultations SET data = jsonb_set(data, '{consent}', '{"statistics": "no"}') WHERE id = $1`,
      [id],
    );
    expect((await mayTable('region')).total).toBe(0);
    await pool.query(
      `UPDATE consultations SET data = jsonb_set(data, '{consent}', '{"statistics": "yes"}') WHERE id = $1`,
      [id],
    );
    expect(await held('region')).toEqual({ 'KG-N': 1 });
    await pool.query('DELETE FROM referrals WHERE id = $1', [referral]);
    expect(await held('referralOutcome')).toEqual({ [NONE]: 1 });
    await pool.query('DELETE FROM risk_assessments WHERE consultation_id = $1', [id]);
    expect(await held('riskLevel')).toEqual({ [NONE]: 1 });
    await pool.query('DELETE FROM consultations WHERE id = $1', [id]);
    expect((await mayTable('region')).total).toBe(0);
  });

  it('two transactions changing the same record keep both changes (neither writes a stale row)', async () => {
    const pool = t.db.pool;
    const { rows: ops } = await pool.query<{ id: string }>(
      "SELECT id FROM users WHERE username = 'operator1'",
    );
    const op = ops[0]?.id as string;
    const { rows: partners } = await pool.query<{ id: string }>(
      'SELECT id FROM partner_orgs ORDER BY slug LIMIT 1',
    );
    const id = randomUUID();
    const referral = randomUUID();
    await pool.query(
      `INSERT INTO consultations (id, channel, operator_id, taxonomy_version, data, status, created_at, updated_at)
       VALUES ($1, 'call', $2, 'kg-2026.1', '{}', 'final', '2026-05-20T10:00:00+06:00', now())`,
      [id, op],
    );
    await pool.query(
      `INSERT INTO referrals (id, consultation_id, partner_org_id, urgency, status, created_by)
       VALUES ($1, $2, $3, 'normal', 'queued', $4)`,
      [referral, id, partners[0]?.id, op],
    );
    const a = await pool.connect();
    const b = await pool.connect();
    try {
      await a.query('BEGIN');
      await a.query("UPDATE referrals SET status = 'accepted' WHERE id = $1", [referral]);
      await b.query('BEGIN');
      // b's trigger must wait for a's commit and then read it: without that, b would write the fact row with
      // the referral still queued, after a's, and the table would say "queued" for good.
      const inserting = b.query(
        `INSERT INTO risk_assessments (consultation_id, methodology_id, methodology_version, answers, score,
                                       computed_level, minimum_level, result, final_level, created_by)
         VALUES ($1, 'kg-hotline-risk', '0.1', '{}', 0, 'high', 'low', '{}', 'high', $2)`,
        [id, op],
      );
      await new Promise((r) => setTimeout(r, 200));
      await a.query('COMMIT');
      await inserting;
      await b.query('COMMIT');
    } finally {
      a.release();
      b.release();
    }
    const { rows } = await pool.query<{ risk_level: string; referral_outcomes: string[] }>(
      'SELECT risk_level, referral_outcomes FROM statistics_facts WHERE consultation_id = $1',
      [id],
    );
    expect(rows).toEqual([{ risk_level: 'high', referral_outcomes: ['accepted'] }]);
    await pool.query('DELETE FROM risk_assessments WHERE consultation_id = $1', [id]);
    await pool.query('DELETE FROM referrals WHERE consultation_id = $1', [id]);
    await pool.query('DELETE FROM consultations WHERE id = $1', [id]);
  });
});

describe('the day cache', () => {
  it('keeps a past day’s counts, answers from them, and counts the day again once it changes', async () => {
    const pool = t.db.pool;
    const before = await raw('region', 'riskLevel');
    const { rows: kept } = await pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM statistics_day_cells WHERE rows_key = 'region' AND cols_key = 'riskLevel' AND day BETWEEN $1 AND $2",
      [FROM, TO],
    );
    expect(kept[0]?.n).toBe(31);
    // The answer comes from the kept rows: one changed by hand (at its version) shows.
    const day = '2026-03-10';
    const { rows: cells } = await pool.query<{ cells: [string, string, number, number, number, number][] }>(
      "SELECT cells FROM statistics_day_cells WHERE rows_key = 'region' AND cols_key = 'riskLevel' AND day = $1",
      [day],
    );
    const first = cells[0]?.cells[0] as [string, string, number, number, number, number];
    await pool.query(
      `UPDATE statistics_day_cells SET cells = jsonb_set(cells, '{0,2}', to_jsonb(($3::int)))
        WHERE rows_key = 'region' AND cols_key = 'riskLevel' AND day = $1 AND $2::text IS NOT NULL`,
      [day, first[0], first[2] + 1000],
    );
    const tampered = await raw('region', 'riskLevel');
    const i = tampered.rows.findIndex((r) => r.key === first[0]);
    const j = tampered.cols.findIndex((c) => c.key === first[1]);
    expect(tampered.cells[i]?.[j]).toBe((before.cells[i]?.[j] as number) + 1000);
    // Any change to a record of that day raises its version: the day is counted again, from the facts.
    const { rows: one } = await pool.query<{ consultation_id: string }>(
      'SELECT consultation_id FROM statistics_facts WHERE day = $1 LIMIT 1',
      [day],
    );
    const changes = async () =>
      (
        await pool.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM statistics_day_changes WHERE day = $1',
          [day],
        )
      ).rows[0]?.n;
    const version = await changes();
    // A change no figure reads (a touch of updated_at) leaves the day as it is…
    await pool.query('UPDATE consultations SET updated_at = now() WHERE id = $1', [one[0]?.consultation_id]);
    expect(await changes()).toBe(version);
    expect((await raw('region', 'riskLevel')).cells[i]?.[j]).toBe((before.cells[i]?.[j] as number) + 1000);
    // …one of its data raises the version.
    await pool.query(`UPDATE consultations SET data = data || '{"touched": true}' WHERE id = $1`, [
      one[0]?.consultation_id,
    ]);
    expect(await changes()).toBe((version as number) + 1);
    expect(await raw('region', 'riskLevel')).toEqual(before);
    expectRecount(await raw('region', 'riskLevel'), 'region', 'riskLevel');
  });
});

const published = (c: Cell) => (c.suppressed ? null : c.value);
function expectNoSmallFigure(cells: Cell[], k: number) {
  for (const c of cells) {
    const v = published(c);
    if (c.suppressed) expect(c.value).toBeNull();
    if (v !== null) expect(v === 0 || v >= k, `published ${v}`).toBe(true);
  }
}
const allCells = (tb: StatisticsTable) => [...tb.cells.flat(), ...tb.rowTotals, ...tb.colTotals, tb.total];

describe('GET /api/statistics/table', () => {
  it('applies disclosure control to every answer: nothing from 1 to k−1 is published', async () => {
    let suppressed = 0;
    for (const [rows, cols] of [
      ['region', 'riskLevel'],
      ['violenceForms', 'ageBand'],
      ['hour', undefined],
      ['contactKind', 'weekday'],
      ['referralPartnerType', 'referralOutcome'],
    ] as [string, string | undefined][]) {
      const res = await get(
        `/api/statistics/table?from=${FROM}&to=${TO}&rows=${rows}${cols ? `&cols=${cols}` : ''}`,
      );
      expect(res.statusCode, res.body).toBe(200);
      const tb = res.json<StatisticsTable>();
      expect(tb.k).toBe(10);
      expectNoSmallFigure(allCells(tb), tb.k);
      suppressed += allCells(tb).filter((c) => c.suppressed).length;
      // The published values are the raw counts where shown.
      const r = await raw(rows as StatisticsDimensionKey, cols as StatisticsDimensionKey | undefined);
      for (const [i, row] of tb.cells.entries())
        for (const [j, c] of row.entries()) if (!c.suppressed) expect(c.value).toBe(r.cells[i]?.[j]);
      expect(tb.rowsMultiValued).toBe(r.rowsMultiValued);
    }
    // The generated data has small cells, so suppression was exercised.
    expect(suppressed).toBeGreaterThan(0);
  });

  it('without cols, one "all" column', async () => {
    const res = await get(`/api/statistics/table?from=${FROM}&to=${TO}&rows=gender`);
    const tb = res.json<StatisticsTable>();
    expect(tb.cols.map((c) => c.key)).toEqual(['all']);
    expect(tb.total.value).toBe(records.filter(counted).length);
  });

  it('400 names a bad dimension or date; the same dimension twice is refused', async () => {
    const bad = async (query: string, path: string, text: string) => {
      const res = await get(`/api/statistics/table?${query}`);
      expect(res.statusCode, res.body).toBe(400);
      const body = res.json<{ message: string; issues?: { path: string }[] }>();
      expect(body.issues?.map((i) => i.path)).toContain(`querystring.${path}`);
      expect(JSON.stringify(body)).toContain(text);
    };
    await bad(
      `from=${FROM}&to=${TO}&rows=foo`,
      'rows',
      'unknown dimension `foo` in `rows`; known: contactKind',
    );
    await bad(`from=${FROM}&to=${TO}&rows=region&cols=bar`, 'cols', 'unknown dimension `bar` in `cols`');
    await bad(`from=${FROM}&to=${TO}&rows=region&cols=region`, 'cols', 'two different dimensions');
    await bad(`from=2026-13-01&to=${TO}&rows=region`, 'from', 'YYYY-MM-DD');
    await bad(`from=${FROM}&to=yesterday&rows=region`, 'to', 'YYYY-MM-DD');
    await bad(`from=${TO}&to=${FROM}&rows=region`, 'to', 'must not be after');
    await bad(`from=${FROM}&to=${TO}`, 'rows', '');
  });

  it('403 for an operator; the dimensions list for a supervisor', async () => {
    const op = await signIn(t.app, 'operator2');
    for (const url of [
      '/api/statistics/dimensions',
      `/api/statistics/table?from=${FROM}&to=${TO}&rows=region`,
      `/api/statistics/queue?from=${FROM}&to=${TO}`,
      `/api/statistics/referrals?from=${FROM}&to=${TO}`,
      `/api/statistics/follow-ups?from=${FROM}&to=${TO}`,
    ])
      expect((await get(url, op)).statusCode, url).toBe(403);
    const res = await get('/api/statistics/dimensions', await signIn(t.app, 'supervisor'));
    expect(res.statusCode).toBe(200);
    const dims = res.json<StatisticsDimension[]>();
    expect(dims.map((d) => d.key)).toEqual([...STATISTICS_DIMENSION_KEYS]);
    expect(dims.filter((d) => d.multiValued).map((d) => d.key)).toEqual([
      'violenceForms',
      'servicesGiven',
      'referralPartnerType',
      'referralOutcome',
    ]);
    expect(dims.find((d) => d.key === 'region')?.label).toEqual({ en: 'Region', ru: 'Регион', ky: 'Аймак' });
  });
});

describe('OpenAPI', () => {
  it('documents every statistics route with its schemas', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
    const doc = res.json<{ paths: Record<string, { get?: { parameters?: { name: string }[] } }> }>();
    for (const path of ['dimensions', 'table', 'queue', 'referrals', 'follow-ups'])
      expect(doc.paths[`/api/statistics/${path}`]?.get, path).toBeDefined();
    const params = doc.paths['/api/statistics/table']?.get?.parameters?.map((p) => p.name);
    expect(params).toEqual(expect.arrayContaining(['from', 'to', 'rows', 'cols']));
    expect(JSON.stringify(doc)).toContain('StatisticsTable');
  });
});

describe('queue, referrals and follow-ups', () => {
  it('referral performance: counts under the small-cell rule, times only over k acknowledged', async () => {
    for (const by of ['partner_type', 'organisation', 'region']) {
      const res = await get(`/api/statistics/referrals?from=${FROM}&to=${TO}&by=${by}`);
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json<{ k: number; groups: Record<string, Cell | string>[] }>();
      for (const g of body.groups) {
        const counts = [
          'sent',
          'acknowledged',
          'accepted',
          'rejected',
          'done',
          'escalations',
          'failures',
        ].map((f) => g[f] as Cell);
        expectNoSmallFigure(counts, body.k);
        const ack = g.acknowledged as Cell;
        if (ack.suppressed) {
          expect((g.ackMedianMinutes as Cell).value).toBeNull();
          expect((g.ackP90Minutes as Cell).value).toBeNull();
        }
        if ((g.accepted as Cell).suppressed) expect((g.acceptedShare as Cell).suppressed).toBe(true);
      }
    }
    const res = await get(`/api/statistics/referrals?from=${FROM}&to=${TO}&by=partner_type`);
    const police = res
      .json<{ groups: Record<string, Cell | string>[] }>()
      .groups.find((g) => g.key === 'police');
    // Recount: referrals made (not drafts) in the period, of counted consultations, to police partners.
    const sent = records
      .filter((r) => r.status === 'final' && (r.data.consent as { statistics?: string }).statistics !== 'no')
      .flatMap((r) => r.referrals)
      .filter((x) => {
        const day = local(x.createdAt).toISOString().slice(0, 10);
        return x.status !== 'draft' && day >= FROM && day <= TO && partnerTypes[x.partner] === 'police';
      }).length;
    expect(police).toBeDefined();
    expect((police?.sent as Cell | undefined)?.value).toBe(sent >= 10 || sent === 0 ? sent : null);
    expect((await get(`/api/statistics/referrals?from=${FROM}&to=${TO}&by=town`)).statusCode).toBe(400);
  });

  it('queue counts: a suppressed count cannot be worked back from offered and the other outcomes', async () => {
    // Monday 2 March 2026: 30 answered, 12 abandoned (4 of them short), 3 lost: 45 offered.
    const day = new Date('2026-03-02T10:00:00+06:00').getTime();
    const calls: [string, number | null, number | null, boolean][] = [
      ...Array.from({ length: 30 }, (): [string, number, number, boolean] => [
        'ended',
        10_000,
        300_000,
        false,
      ]),
      ...Array.from({ length: 12 }, (_, i): [string, null, number, boolean] => [
        'abandoned',
        null,
        3_000,
        i < 4,
      ]),
      ...Array.from({ length: 3 }, (): [string, null, null, boolean] => ['lost', null, null, false]),
    ];
    for (const [i, [state, wait, end, short]] of calls.entries()) {
      const offered = new Date(day + i * 60_000);
      await t.db.pool.query(
        `INSERT INTO calls (external_id, line, state, offered_at, answered_at, ended_at, short_abandoned)
         VALUES ($1, '5200', $2::call_state, $3, $4, $5, $6)`,
        [
          `stat-${i}`,
          state,
          offered,
          wait === null ? null : new Date(offered.getTime() + wait),
          end === null ? null : new Date(offered.getTime() + (wait ?? 0) + end),
          short,
        ],
      );
    }
    const res = await get('/api/statistics/queue?from=2026-03-02&to=2026-03-02&by=day');
    expect(res.statusCode, res.body).toBe(200);
    const p = res.json<{ periods: Record<string, Cell | string>[] }>().periods[0] as Record<string, Cell>;
    expect(p.lost).toEqual({ value: null, suppressed: true });
    expect(p.shortAbandoned).toEqual({ value: null, suppressed: true });
    // With offered, answered and abandoned all published, lost = 45 − 30 − 12 would be found.
    expect([p.offered, p.answered, p.abandoned].some((c) => c?.suppressed)).toBe(true);
    expectNoSmallFigure(
      ['offered', 'answered', 'abandoned', 'shortAbandoned', 'lost'].map((f) => p[f] as Cell),
      10,
    );
  });

  it('queue figures and follow-ups answer under disclosure control', async () => {
    const q = await get(`/api/statistics/queue?from=${FROM}&to=${TO}&by=week`);
    expect(q.statusCode, q.body).toBe(200);
    const queue = q.json<{ periods: { from: string; to: string; offered: Cell }[] }>();
    expect(queue.periods[0]).toMatchObject({ from: '2026-03-01', to: '2026-03-01' }); // a Sunday
    expect(queue.periods[1]).toMatchObject({ from: '2026-03-02', to: '2026-03-08' });
    expect(queue.periods.at(-1)).toMatchObject({ to: TO });
    const f = await get(`/api/statistics/follow-ups?from=${FROM}&to=${TO}`);
    expect(f.statusCode, f.body).toBe(200);
    const fu = f.json<{ due: Cell; doneOnTime: Cell; missed: Cell }>();
    expectNoSmallFigure([fu.due, fu.doneOnTime, fu.missed], 10);
    expect((await get(`/api/statistics/queue?from=${FROM}&to=${TO}&by=year`)).statusCode).toBe(400);
  });
});
