import { writeAudit } from '@korgon/db';
import type { AuditAction, MAINTENANCE_RUN_STATUSES } from '@korgon/domain';
import type pg from 'pg';
import { ConflictError } from './errors';
import type { SessionUser } from './features/auth/repository';

/**
 * The admin's side of the maintenance runs (`maintenance_runs`: retention, re-encryption): the recent runs as the
 * console shows them, and "Run now" as a queued run whose job the caller adds after the commit (the worker's
 * side is apps/worker/src/tasks/maintenance-run.ts).
 */
type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;
export type MaintenanceKind = 'retention' | 'reencrypt';

/** A run queued or running for longer than this is taken to be lost (its worker stopped): a new one may start. */
const RUN_STALE_HOURS = 6;
const IN_FLIGHT = `status IN ('queued', 'running') AND started_at > now() - make_interval(hours => ${RUN_STALE_HOURS})`;

interface RunRow {
  id: string;
  trigger: 'schedule' | 'manual';
  started_by: string | null;
  started_by_name: string | null;
  started_at: Date;
  finished_at: Date | null;
  status: (typeof MAINTENANCE_RUN_STATUSES)[number];
  counts: object;
  error: string | null;
}

const RUNS = `SELECT m.id, m.trigger, m.started_by, u.display_name AS started_by_name, m.started_at, m.finished_at,
                     m.status, m.counts, m.error
                FROM maintenance_runs m LEFT JOIN users u ON u.id = m.started_by
               WHERE m.kind = $1`;

const viewOf = <C>(r: RunRow) => ({
  id: Number(r.id),
  trigger: r.trigger,
  startedBy: r.started_by ? { id: r.started_by, displayName: r.started_by_name ?? '' } : null,
  startedAt: r.started_at.toISOString(),
  finishedAt: r.finished_at?.toISOString() ?? null,
  status: r.status,
  counts: r.counts as C,
  error: r.error,
});

/** The newest runs of a kind, newest first. */
export async function recentRuns<C>(q: Queryable, kind: MaintenanceKind, limit: number) {
  const { rows } = await q.query<RunRow>(`${RUNS} ORDER BY m.started_at DESC, m.id DESC LIMIT $2`, [
    kind,
    limit,
  ]);
  return rows.map((r) => viewOf<C>(r));
}

/** Whether a run of the kind is queued or running (and not stale). */
export async function runInFlight(q: Queryable, kind: MaintenanceKind): Promise<boolean> {
  const { rows } = await q.query(`SELECT 1 FROM maintenance_runs WHERE kind = $1 AND ${IN_FLIGHT} LIMIT 1`, [
    kind,
  ]);
  return rows.length > 0;
}

/**
 * "Run now": a queued run made by the admin and audited, refused (409, `busy` names the run) while one of the kind
 * is queued or running. One at a time: the check and the insert under one transaction-level lock.
 */
export async function queueRun<C>(
  c: pg.PoolClient,
  kind: MaintenanceKind,
  actor: SessionUser,
  audit: { action: AuditAction; details?: Record<string, unknown> },
  busy: (runId: string) => string,
) {
  await c.query('SELECT pg_advisory_xact_lock(5213, 3)');
  const { rows: inFlight } = await c.query<{ id: string }>(
    `SELECT id FROM maintenance_runs WHERE kind = $1 AND ${IN_FLIGHT} LIMIT 1`,
    [kind],
  );
  if (inFlight[0]) throw new ConflictError(busy(inFlight[0].id));
  const { rows } = await c.query<{ id: string }>(
    `INSERT INTO maintenance_runs (kind, trigger, started_by, status) VALUES ($1, 'manual', $2, 'queued') RETURNING id`,
    [kind, actor.id],
  );
  const id = rows[0]?.id as string;
  await writeAudit(c, {
    action: audit.action,
    actorId: actor.id,
    actorRole: actor.role,
    targetType: 'maintenance_run',
    targetId: id,
    details: audit.details ?? {},
  });
  const { rows: made } = await c.query<RunRow>(`${RUNS} AND m.id = $2`, [kind, id]);
  return viewOf<C>(made[0] as RunRow);
}
