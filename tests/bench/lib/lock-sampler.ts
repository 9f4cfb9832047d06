import pg from 'pg';
import { sleep } from './util';

/**
 * Samples pg_stat_activity while a bench runs: how many of the server's queries wait on a lock at once, and
 * for how long the longest one has waited. Explains tails that come from serialised writers.
 */
export function sampleLockWaits(databaseUrl: string, everyMs = 100) {
  let running = true;
  let maxWaiters = 0;
  let maxWaitMs = 0;
  let samples = 0;
  let samplesWithWaiters = 0;
  const done = (async () => {
    const client = new pg.Client({ connectionString: databaseUrl, application_name: 'korgon-bench-sampler' });
    // The bench may drop the database under it (Ctrl-C): stop sampling instead of crashing.
    client.on('error', () => {
      running = false;
    });
    await client.connect();
    try {
      while (running) {
        const { rows } = await client.query<{ n: number; ms: number | null }>(
          `SELECT count(*)::int AS n, max(extract(epoch FROM now() - query_start) * 1000)::float8 AS ms
             FROM pg_stat_activity
            WHERE datname = current_database() AND application_name = 'korgon-server'
              AND wait_event_type = 'Lock'`,
        );
        const r = rows[0];
        samples++;
        if (r && r.n > 0) {
          samplesWithWaiters++;
          maxWaiters = Math.max(maxWaiters, r.n);
          maxWaitMs = Math.max(maxWaitMs, r.ms ?? 0);
        }
        await sleep(everyMs);
      }
    } catch {
      // sampling is best effort
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return {
    async stop() {
      running = false;
      await done;
      return {
        lock_waiters_max: maxWaiters,
        lock_wait_max_ms: Math.round(maxWaitMs),
        lock_wait_share: samples > 0 ? Math.round((samplesWithWaiters / samples) * 100) / 100 : 0,
      };
    },
  };
}
