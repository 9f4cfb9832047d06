import { createDb, type DbHandle } from '@korgon/db';
import { freshDatabase, startTestWorker, testEnv, testQueues } from '@korgon/dev/testing';
import type { JobQueues } from '@korgon/jobs';
import { SCHEDULES } from '@korgon/worker';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

let url: string;
let h: DbHandle;
let env: ReturnType<typeof testEnv>;
let jobs: JobQueues;
beforeAll(async () => {
  url = await freshDatabase('worker');
  h = createDb(url, { max: 4 });
  env = testEnv(url);
  jobs = testQueues(env);
});
afterAll(async () => {
  await jobs?.close();
  await h?.close();
});

describe('the worker process', () => {
  it('records a heartbeat, keeps its schedules in Redis, runs a job, and stops cleanly', async () => {
    const worker = await startTestWorker(url, env);
    try {
      const beat = await h.pool.query('SELECT worker_id FROM worker_heartbeats');
      expect(beat.rows.map((r) => r.worker_id)).toContain(worker.workerId);

      // The daily prune and the reconciler are BullMQ job schedulers.
      const schedulers = await jobs.queues.maintenance.getJobSchedulers();
      expect(schedulers.map((s) => s.key).sort()).toEqual(SCHEDULES.map((s) => s.id).sort());
      expect(schedulers.find((s) => s.key === 'sessions-prune')?.pattern).toBe('0 3 * * *');

      await h.pool.query(
        `INSERT INTO users (username, display_name, password_hash, role) VALUES ('old', 'Old', 'x', 'operator')`,
      );
      await h.pool.query(
        `INSERT INTO sessions (id, user_id, expires_at, ended_at)
         SELECT 'ancient', id, now() - interval '60 days', now() - interval '60 days' FROM users WHERE username = 'old'`,
      );
      await h.pool.query(
        `INSERT INTO sessions (id, user_id, expires_at) SELECT 'live', id, now() + interval '1 hour' FROM users WHERE username = 'old'`,
      );
      await jobs.add([{ name: 'sessions.prune', data: {}, jobId: 'prune-now' }]);
      await vi.waitFor(
        async () => {
          const ids = (await h.pool.query('SELECT id FROM sessions ORDER BY id')).rows.map((r) => r.id);
          expect(ids).toEqual(['live']);
        },
        { timeout: 15_000, interval: 100 },
      );
      // A bad payload is refused without retries, and the worker goes on.
      await jobs.queues.maintenance.add(
        'sessions.prune',
        { extra: 'personal data' },
        { jobId: 'bad-payload' },
      );
      await vi.waitFor(
        async () => expect(await jobs.queues.maintenance.getJobState('bad-payload')).toBe('failed'),
        { timeout: 10_000, interval: 100 },
      );
      const bad = await jobs.queues.maintenance.getJob('bad-payload');
      expect(bad?.failedReason).toMatch(/bad payload/);
      expect(bad?.attemptsMade).toBe(1);
    } finally {
      await worker.stop();
    }
    const after = await h.pool.query('SELECT count(*)::int AS n FROM worker_heartbeats');
    expect(after.rows[0].n).toBe(0);
  });

  it('puts its schedules back when Redis lost them', async () => {
    const worker = await startTestWorker(url, env);
    try {
      for (const s of SCHEDULES) await jobs.queues.maintenance.removeJobScheduler(s.id);
      expect(await jobs.queues.maintenance.getJobSchedulers()).toEqual([]);
      await vi.waitFor(
        async () => expect((await jobs.queues.maintenance.getJobSchedulers()).length).toBe(SCHEDULES.length),
        { timeout: 20_000, interval: 200 },
      );
    } finally {
      await worker.stop();
    }
  });
});
