import { writeAudit } from '@korgon/db';
import type pg from 'pg';

/**
 * The lifecycle of a maintenance run in `maintenance_runs` (retention, re-encryption), shared by both jobs: a
 * run left 'running' by a stopped worker marked failed, an admin's queued run taken up (or a schedule's run
 * begun), and the end recorded with its counts and audited once, in one transaction.
 */
export type MaintenanceKind = 'retention' | 'reencrypt';

export interface MaintenanceRun {
  id: number;
  kind: MaintenanceKind;
  /** The admin who pressed the button; null for the worker's own run. */
  startedBy: string | null;
  trigger: 'schedule' | 'manual';
}

/** Call holding the kind's advisory lock: no other run is at work, so one still 'running' lost its worker. */
export async function failInterruptedRuns(
  client: pg.PoolClient,
  kind: MaintenanceKind,
  keepId: number | undefined,
): Promise<void> {
  await client.query(
    `UPDATE maintenance_runs SET status = 'failed', finished_at = now(), error = 'interrupted: its worker stopped'
      WHERE kind = $1 AND status = 'running' AND id <> $2`,
    [kind, keepId ?? 0],
  );
}

/**
 * An admin's queued run (its row made by the server) taken up, or, when it succeeded already (its job retried),
 * the counts it recorded then.
 */
export async function takeUpQueuedRun(
  client: pg.PoolClient,
  kind: MaintenanceKind,
  runId: number,
): Promise<{ run: MaintenanceRun } | { succeeded: Record<string, unknown> }> {
  const { rows } = await client.query<{ status: string; started_by: string | null; counts: object }>(
    'SELECT status, started_by, counts FROM maintenance_runs WHERE id = $1 AND kind = $2',
    [runId, kind],
  );
  const row = rows[0];
  if (!row) throw new Error(`${kind} run ${runId} does not exist`);
  if (row.status === 'succeeded') return { succeeded: row.counts as Record<string, unknown> };
  await client.query(
    `UPDATE maintenance_runs SET status = 'running', started_at = now(), error = NULL WHERE id = $1`,
    [runId],
  );
  return { run: { id: runId, kind, startedBy: row.started_by, trigger: 'manual' } };
}

/** The worker's own run (the schedule's, or at its start), recorded as running. */
export async function beginScheduledRun(
  client: pg.PoolClient,
  kind: MaintenanceKind,
): Promise<MaintenanceRun> {
  const { rows } = await client.query<{ id: number }>(
    `INSERT INTO maintenance_runs (kind, trigger, status) VALUES ($1, 'schedule', 'running') RETURNING id`,
    [kind],
  );
  return { id: Number(rows[0]?.id), kind, startedBy: null, trigger: 'schedule' };
}

/**
 * The run's end: its status, counts and error (the message only: a database's or the job's own words, never a
 * text or a key) with one audit entry, in one transaction. A failure to record a failure is let go (the next
 * run marks it interrupted); a failure to record a success is thrown.
 */
export async function endRun(
  client: pg.PoolClient,
  run: MaintenanceRun,
  auditAction: 'retention.run' | 'keys.reencrypted',
  counts: object,
  error?: unknown,
): Promise<void> {
  const status = error === undefined ? 'succeeded' : 'failed';
  const message =
    error === undefined ? null : (error instanceof Error ? error.message : String(error)).slice(0, 500);
  const record = async () => {
    await client.query('BEGIN');
    await client.query(
      `UPDATE maintenance_runs SET status = $2, finished_at = now(), counts = $3::jsonb, error = $4 WHERE id = $1`,
      [run.id, status, JSON.stringify(counts), message],
    );
    await writeAudit(client, {
      action: auditAction,
      actorId: run.startedBy,
      actorRole: run.startedBy ? 'admin' : null,
      targetType: 'maintenance_run',
      targetId: String(run.id),
      details: { trigger: run.trigger, status, ...counts },
    });
    await client.query('COMMIT');
  };
  if (error === undefined) return record();
  await record().catch(() => client.query('ROLLBACK').catch(() => undefined));
}
