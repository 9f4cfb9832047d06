import { randomBytes } from 'node:crypto';
import { createDb, type DbHandle, verifyAuditChain } from '@korgon/db';
import { dumpDatabaseText, freshDatabase, TEST_PASSWORD } from '@korgon/dev/testing';
import {
  ConsultationData,
  finalizeIssues,
  KG_HOTLINE_RISK_0_1,
  Methodology,
  TAXONOMY_KG_2026_1,
  Taxonomy,
} from '@korgon/domain';
import { open, sealKeyFrom } from '@korgon/signing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoHistory, simulateHistory } from './history';
import {
  type AnsweredCall,
  DEMO_PROPORTIONS,
  generateRecords,
  type RecordsContext,
  uuidOf,
} from './history-records';
import { demoPartners, seedDemo } from './seed';

const DAY = 86_400_000;
const taxonomy = Taxonomy.parse(TAXONOMY_KG_2026_1);
const methodology = Methodology.parse(KG_HOTLINE_RISK_0_1);

/** Sixty days of simulated calls, answered ones with made-up ids (no database). */
function sixtyDays(now: number): { calls: AnsweredCall[]; ctx: RecordsContext } {
  const sim = simulateHistory(now - 60 * DAY, now);
  const calls = sim.calls
    .filter((c) => c.state === 'ended' && c.operator && c.answeredAt && c.endedAt)
    .map((c) => ({
      id: uuidOf(`test-call:${c.externalId}`),
      externalId: c.externalId,
      operatorId: c.operator as string,
      answeredAt: c.answeredAt as number,
      endedAt: c.endedAt as number,
    }));
  const partners = demoPartners().map((p) => ({
    id: `org-${p.slug}`,
    type: p.type,
    regions: p.regions ?? [],
    userId: null,
  }));
  return {
    calls,
    ctx: {
      taxonomy,
      methodology,
      partners,
      escalationMinutes: {},
      onShiftAt: () => 'operator1',
      orderCheckinDays: 5,
      now,
    },
  };
}

describe('the demo history records', () => {
  const now = new Date('2026-03-10T15:30:00+06:00').getTime();
  const { calls, ctx } = sixtyDays(now);
  const records = generateRecords(calls, ctx);

  it('are the same every time they are generated', () => {
    expect(generateRecords(calls, ctx)).toEqual(records);
  });

  it('are valid, finalizable records of their taxonomy version, in the proportions of the design', () => {
    const fromCalls = records.consultations.filter((k) => k.channel === 'call');
    expect(fromCalls).toHaveLength(calls.length);
    for (const k of records.consultations) {
      const data = ConsultationData.parse(k.data);
      expect(finalizeIssues(taxonomy, data), k.id).toEqual([]);
    }
    const kinds = DEMO_PROPORTIONS.contactKinds;
    const total = Object.values(kinds).reduce((s, w) => s + w, 0);
    for (const [kind, weight] of Object.entries(kinds)) {
      const share = fromCalls.filter((k) => k.data.contactKind === kind).length / fromCalls.length;
      expect(share, kind).toBeGreaterThan(weight / total - 0.03);
      expect(share, kind).toBeLessThan(weight / total + 0.03);
    }
    const data = fromCalls.filter((k) => k.data.callerRole);
    const women = data.filter((k) => k.data.survivor.gender === 'female').length / data.length;
    expect(women).toBeGreaterThan(0.75);
    const refused = data.filter((k) => k.data.consent.statistics === 'no').length / data.length;
    expect(refused).toBeGreaterThan(0.01);
    expect(refused).toBeLessThan(0.1);
    // Every level of the methodology occurs; low is the most common, critical the rarest.
    const levels = new Map<string, number>();
    for (const a of records.assessments) levels.set(a.result.level, (levels.get(a.result.level) ?? 0) + 1);
    expect([...levels.keys()].sort()).toEqual(['critical', 'high', 'low', 'medium']);
    expect(levels.get('low') ?? 0).toBeGreaterThan(levels.get('high') ?? 0);
    expect(levels.get('critical') ?? 0).toBeLessThan(levels.get('high') ?? 0);
    // Referrals run to realistic ends, and none is left for a job that will never come.
    const statuses = new Set(records.referrals.map((r) => r.status));
    expect(statuses).toContain('done');
    expect(statuses).toContain('rejected');
    for (const s of ['queued', 'sent', 'escalated', 'failed', 'draft']) expect(statuses).not.toContain(s);
    expect(records.referrals.some((r) => r.events.some((e) => e.status === 'escalated'))).toBe(true);
    for (const r of records.referrals) for (const e of r.events) expect(e.at).toBeLessThanOrEqual(now);
    // Follow-ups: done (by a call-back), missed and cancelled in the past; due only when not raised yet.
    const states = new Set(records.followUps.map((f) => f.state));
    expect([...states].sort()).toEqual(['cancelled', 'done', 'due', 'missed']);
    for (const f of records.followUps) {
      if (f.state === 'due') expect(f.plan.raiseAt.getTime()).toBeGreaterThan(now);
      if (f.state === 'done') expect(f.doneConsultationId).not.toBeNull();
    }
  });
});

describe('seeding a year of demo history', () => {
  // Across a new year: the history's K- and R- numbers start again from 1 in 2026, as the triggers would.
  const now = new Date('2026-01-20T15:30:00+06:00');
  const key = sealKeyFrom(randomBytes(32).toString('base64'), 1);
  let a: DbHandle;
  let b: DbHandle;
  let aUrl = '';
  beforeAll(async () => {
    aUrl = await freshDatabase('demo-year-a');
    a = createDb(aUrl, { max: 2 });
    b = createDb(await freshDatabase('demo-year-b'), { max: 2 });
    await seedDemo(a.db, TEST_PASSWORD);
    await seedDemo(b.db, TEST_PASSWORD);
  });
  afterAll(async () => Promise.all([a?.close(), b?.close()]));

  const count = async (h: DbHandle, sql: string) =>
    (await h.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`)).rows[0]?.n;

  it('adds it once, the same from the same seed, and a second start adds nothing', async () => {
    const audit = await count(a, 'audit_log');
    const first = await seedDemoHistory(a.pool, { now, days: 42, key });
    expect(first.days).toBe(43);
    expect(first.consultations).toBeGreaterThan(first.calls / 2);
    expect(first.assessments).toBeGreaterThan(0);
    expect(first.referrals).toBeGreaterThan(0);
    expect(first.followUps).toBeGreaterThan(0);
    expect(await seedDemoHistory(a.pool, { now, days: 42, key })).toEqual({
      days: 0,
      calls: 0,
      periods: 0,
      consultations: 0,
      assessments: 0,
      referrals: 0,
      followUps: 0,
    });
    // Another database, the same seed: the same records, with the same ids and numbers.
    expect(await seedDemoHistory(b.pool, { now, days: 42, key })).toEqual(first);
    const ids = (h: DbHandle) =>
      h.pool.query('SELECT id, reference, data FROM consultations ORDER BY id').then((r) => r.rows);
    expect(await ids(b)).toEqual(await ids(a));

    // History is not an event of this installation: nothing audited, and the chain is whole.
    expect(await count(a, 'audit_log')).toBe(audit);
    expect(await verifyAuditChain(a.pool)).toMatchObject({ ok: true });
    expect(await count(a, 'calls')).toBe(first.calls);
    expect(await count(a, 'consultations')).toBe(first.consultations);
    expect(
      await count(
        a,
        `calls c WHERE state = 'ended' AND NOT EXISTS (SELECT 1 FROM consultations k WHERE k.call_id = c.id)`,
      ),
    ).toBe(0);
  });

  it('numbers the records by year in the order they were made, and the next record follows on', async () => {
    const { rows } = await a.pool.query<{
      year: string;
      n: number;
      first: string;
      last: string;
      ordered: boolean;
    }>(
      `SELECT split_part(reference, '-', 2) AS year, count(*)::int AS n, min(reference) AS first, max(reference) AS last,
              bool_and(prev IS NULL OR prev <= created_at) AS ordered
         FROM (SELECT reference, created_at, lag(created_at) OVER (PARTITION BY split_part(reference, '-', 2)
                                                                   ORDER BY reference) AS prev
                 FROM consultations) k
        GROUP BY 1 ORDER BY 1`,
    );
    expect(rows.map((r) => r.year)).toEqual(['2025', '2026']);
    for (const r of rows) {
      expect(r.first).toBe(`K-${r.year}-000001`);
      expect(r.last).toBe(`K-${r.year}-${String(r.n).padStart(6, '0')}`);
      expect(r.ordered).toBe(true);
    }
    const counters = await a.pool.query(
      `SELECT kind, year, last FROM reference_counters WHERE kind = 'K' ORDER BY year`,
    );
    expect(counters.rows.map((c) => c.last)).toEqual(rows.map((r) => r.n));
    const refs = await a.pool.query(
      `SELECT count(DISTINCT reference)::int AS n, count(*)::int AS total FROM referrals`,
    );
    expect(refs.rows[0].n).toBe(refs.rows[0].total);
  });

  it('keeps its records consistent with each other and with the calls', async () => {
    // Every referral's events run from queued to its status; every follow-up done names the call-back that did it.
    expect(
      await count(
        a,
        `referrals r WHERE r.status <> (SELECT e.status FROM referral_events e WHERE e.referral_id = r.id
                                         ORDER BY e.at DESC, e.id DESC LIMIT 1)`,
      ),
    ).toBe(0);
    expect(
      await count(
        a,
        `follow_ups f WHERE f.state = 'done' AND NOT EXISTS (
           SELECT 1 FROM consultations k WHERE k.id = f.done_consultation_id AND k.follow_up_id = f.id
              AND k.previous_id = f.consultation_id AND k.channel = 'call_back' AND k.status = 'final')`,
      ),
    ).toBe(0);
    expect(
      await count(
        a,
        `follow_ups WHERE state = 'due' AND (raise_at <= $$${now.toISOString()}$$ OR raised_at IS NOT NULL)`,
      ),
    ).toBe(0);
    // A consultation's time lies within its call.
    expect(
      await count(
        a,
        `consultations k JOIN calls c ON c.id = k.call_id
          WHERE k.created_at < c.answered_at OR k.finalized_at < c.ended_at OR k.status <> 'final'`,
      ),
    ).toBe(0);
    // The levels are the methodology's, computed by assess: the final level is the computed one (no override).
    expect(
      await count(
        a,
        `risk_assessments WHERE final_level NOT IN ('low', 'medium', 'high', 'critical')
            OR final_level <> computed_level OR override IS NOT NULL OR methodology_version <> '0.1'`,
      ),
    ).toBe(0);
  });

  it('stores no phone number and no free text in clear; what free text there is opens with the notes key', async () => {
    expect(
      await count(a, 'consultations WHERE notes_ciphertext IS NOT NULL OR caller_hash IS NOT NULL'),
    ).toBe(0);
    expect(await count(a, 'calls WHERE caller_hash IS NOT NULL')).toBe(0);
    expect(await count(a, 'referrals WHERE message_sealed IS NOT NULL OR rejection_reason IS NOT NULL')).toBe(
      0,
    );
    expect(await count(a, 'referrals WHERE consent_exception_reason IS NOT NULL')).toBe(0);
    const { text } = await dumpDatabaseText(aUrl);
    expect(text).not.toMatch(/\+\d{9,15}\b/);
    for (const phrase of ['Не ответила', 'Мест нет', 'Өзү линияга', 'safe window'])
      expect(text).not.toContain(phrase);
    const { rows } = await a.pool.query<{ id: string; reason_sealed: Buffer; key_version: number }>(
      `SELECT id, reason_sealed, key_version FROM follow_ups WHERE state IN ('missed', 'cancelled')`,
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows)
      expect(open(key, `${r.id}:reason`, r.reason_sealed, r.key_version).length).toBeGreaterThan(3);
  });
});
