import { computeCharts, computeFigures, DEFAULT_BOARD_SETTINGS } from '@korgon/board';
import { createDb, type DbHandle } from '@korgon/db';
import { freshDatabase, TEST_PASSWORD } from '@korgon/dev/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoHistory, simulateHistory } from './history';
import { seedDemo } from './seed';

const now = new Date('2026-03-10T15:30:00+06:00');
const clock = { now: () => now };

describe('the demo history', () => {
  let h: DbHandle;
  beforeAll(async () => {
    h = createDb(await freshDatabase('demo-history'), { max: 4 });
    await seedDemo(h.db, TEST_PASSWORD);
  });
  afterAll(async () => h?.close());

  it('is the same traffic every time it is simulated', () => {
    const from = now.getTime() - 2 * 86_400_000;
    expect(simulateHistory(from, now.getTime())).toEqual(simulateHistory(from, now.getTime()));
  });

  it('seeds four weeks and today once, with each operator in one state at a time, ended before now', async () => {
    const first = await seedDemoHistory(h.pool, { now, days: 28 });
    expect(first.days).toBe(29);
    expect(first.calls).toBeGreaterThan(29 * 60);
    expect(await seedDemoHistory(h.pool, { now, days: 28 })).toMatchObject({ days: 0, calls: 0, periods: 0 });

    const { rows: late } = await h.pool.query(
      `SELECT count(*)::int AS n FROM calls
        WHERE offered_at >= $1 OR ended_at >= $1 OR answered_at >= $1 OR offered_at < $1 - interval '29 days'`,
      [now],
    );
    expect(late[0].n).toBe(0);
    const { rows: overlaps } = await h.pool.query(
      `SELECT count(*)::int AS n FROM (
         SELECT started_at, lag(ended_at) OVER (PARTITION BY user_id ORDER BY started_at, id) AS previous_end
           FROM operator_state_log) p
        WHERE previous_end > started_at`,
    );
    expect(overlaps[0].n).toBe(0);
    const { rows: outcomes } = await h.pool.query(
      `SELECT state::text, count(*)::int AS n FROM calls GROUP BY state ORDER BY state`,
    );
    expect(outcomes.map((r) => r.state).sort()).toEqual(['abandoned', 'ended', 'lost']);
  });

  it('gives the board figures and charts that mean something', async () => {
    const figures = await computeFigures(h.pool, clock, DEFAULT_BOARD_SETTINGS);
    expect(figures.windows.today.offered).toBeGreaterThan(20);
    expect(figures.windows.today.serviceLevel).toBeGreaterThan(0.5);
    expect(figures.windows.shift.ahtSeconds).toBeGreaterThan(60);
    expect(figures.windows.shift.wrapUpSeconds).toBeGreaterThan(30);
    const charts = await computeCharts(h.pool, clock, DEFAULT_BOARD_SETTINGS);
    const day = charts.hours.slice(9, 21);
    for (const hour of day) expect(hour.typicalOffered).toBeGreaterThan(1);
    expect(Math.max(...charts.operatorsOnline.points.map((p) => p.online))).toBe(2);
  });
});
