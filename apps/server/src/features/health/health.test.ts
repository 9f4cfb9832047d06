import { createTestApp, type TestApp } from '@korgon/dev/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ label: 'health' });
});
afterAll(async () => t?.close());

describe('health', () => {
  it('says the process is up', async () => {
    const res = await t.app.inject({ url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: true });
  });

  it('is not ready, naming the worker, until a worker has been seen in the last minute', async () => {
    const before = await t.app.inject({ url: '/readyz' });
    expect(before.statusCode).toBe(503);
    expect(before.json().failed).toEqual(['worker']);
    expect(before.json().checks.worker.detail).toMatch(/no worker/);

    await t.db.pool.query(
      "INSERT INTO worker_heartbeats VALUES ('stale', now() - interval '1 hour', now() - interval '5 minutes')",
    );
    const stale = await t.app.inject({ url: '/readyz' });
    expect(stale.statusCode).toBe(503);
    expect(stale.json().checks.worker.detail).toMatch(/last worker seen 3\d\d s ago/);

    await t.db.pool.query("INSERT INTO worker_heartbeats VALUES ('fresh', now(), now())");
    const ready = await t.app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ ready: true, failed: [] });
    // Redis answers, and each BullMQ queue's jobs are counted by state.
    expect(ready.json().checks.redis).toEqual({ ok: true });
    expect(Object.keys(ready.json().queues).sort()).toEqual([
      'exports',
      'maintenance',
      'referrals',
      'timers',
    ]);
    expect(ready.json().queues.referrals).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0 });
  });

  it('names unapplied migrations', async () => {
    await t.db.pool.query(
      'DELETE FROM drizzle.__drizzle_migrations WHERE id = (SELECT max(id) FROM drizzle.__drizzle_migrations)',
    );
    const res = await t.app.inject({ url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json().failed).toContain('migrations');
    expect(res.json().checks.migrations.detail).toBe('1 migration(s) not applied');
  });
});
