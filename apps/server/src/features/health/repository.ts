import type { Queryable } from '@korgon/db';

/** The health check's two questions to PostgreSQL (ADR 0006: a feature's SQL lives in its repository). */
export async function databaseAnswers(db: Queryable): Promise<void> {
  await db.query('SELECT 1');
}

/** How long ago the freshest worker heartbeat was written; null when no worker has ever run. */
export async function workerHeartbeatAgeMs(db: Queryable): Promise<number | null> {
  const { rows } = await db.query<{ age_ms: number | null }>(
    'SELECT (extract(epoch FROM now() - max(seen_at)) * 1000)::float8 AS age_ms FROM worker_heartbeats',
  );
  return rows[0]?.age_ms ?? null;
}
