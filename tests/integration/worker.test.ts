import { createDb, type DbHandle } from '@korgon/db';
import { freshDatabase, startTestWorker } from '@korgon/dev/testing';
import { TASKS } from '@korgon/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let url: string;
let h: DbHandle;
beforeAll(async () => {
  url = await freshDatabase('worker');
  h = createDb(url, { max: 4 });
});
afterAll(async () => h?.close());

describe('the worker process', () => {
  it('records a heartbeat, runs a job added in a transaction, and stops cleanly', async () => {
    const worker = await startTestWorker(url, {
      NOTES_ENCRYPTION_KEY: Buffer.alloc(32, 3).toString('base64'),
      NOTES_KEY_VERSION: 1,
    });
    try {
      const beat = await h.pool.query('SELECT worker_id FROM worker_heartbeats');
      expect(beat.rows.map((r) => r.worker_id)).toContain(worker.workerId);

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
      // A job that rolls back with its transaction never runs.
      const c = await h.pool.connect();
      await c.query('BEGIN');
      await c.query("SELECT graphile_worker.add_job($1, '{}'::json, job_key := 'rolled-back')", [
        TASKS.sessionsPrune,
      ]);
      await c.query('ROLLBACK');
      c.release();
      await h.pool.query("SELECT graphile_worker.add_job($1, '{}'::json)", [TASKS.sessionsPrune]);

      const until = Date.now() + 15_000;
      let ids: string[] = [];
      while (Date.now() < until) {
        ids = (await h.pool.query('SELECT id FROM sessions ORDER BY id')).rows.map((r) => r.id);
        if (!ids.includes('ancient')) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(ids).toEqual(['live']);
      const pending = await h.pool.query('SELECT count(*)::int AS n FROM graphile_worker.jobs');
      expect(pending.rows[0].n).toBe(0);
    } finally {
      await worker.stop();
    }
    const after = await h.pool.query('SELECT count(*)::int AS n FROM worker_heartbeats');
    expect(after.rows[0].n).toBe(0);
  });
});
