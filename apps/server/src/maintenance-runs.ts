import { dbOn, type Queryable, schema, writeAudit } from '@korgon/db';
import type { AuditAction, MAINTENANCE_RUN_STATUSES } from '@korgon/domain';
import { and, desc, eq, gt, inArray, type SQL, sql } from 'drizzle-orm';
import type pg from 'pg';
import { ConflictError } from './errors';
import type { SessionUser } from './features/auth/repository';

/**
 * The admin's side of the maintenance runs (`maintenance_runs`: retention, re-encryption): the recent runs as the
 * console shows them, and "Run now" as a queued run whose job the caller adds after the commit (the worker's
 * side is apps/worker/src/tasks/maintenance-run.ts).
 */
export type MaintenanceKind = 'retention' | 'reencrypt';

const { maintenanceRuns: runs, users } = schema;

/** A run queued or running for longer than this is taken to be lost (its worker stopped): a new one may start. */
const RUN_STALE_HOURS = 6;
const inFlight = (kind: MaintenanceKind) =>
  and(
    eq(runs.kind, kind),
    inArray(runs.status, ['queued', 'running']),
    gt(runs.startedAt, sql`now() - make_interval(hours => ${sql.raw(String(RUN_STALE_HOURS))})`),
  );

const runColumns = {
  id: runs.id,
  trigger: runs.trigger,
  startedBy: runs.startedBy,
  startedByName: users.displayName,
  startedAt: runs.startedAt,
  finishedAt: runs.finishedAt,
  status: runs.status,
  counts: runs.counts,
  error: runs.error,
};
type RunRow = Omit<typeof runs.$inferSelect, 'kind'> & { startedByName: string | null };

const runsOf = (q: Queryable, where: SQL | undefined) =>
  dbOn(q).select(runColumns).from(runs).leftJoin(users, eq(users.id, runs.startedBy)).where(where);

const viewOf = <C>(r: RunRow) => ({
  id: r.id,
  // The worker and this module write only these values (the column is text).
  trigger: r.trigger as 'schedule' | 'manual',
  startedBy: r.startedBy ? { id: r.startedBy, displayName: r.startedByName ?? '' } : null,
  startedAt: r.startedAt.toISOString(),
  finishedAt: r.finishedAt?.toISOString() ?? null,
  status: r.status as (typeof MAINTENANCE_RUN_STATUSES)[number],
  counts: r.counts as C,
  error: r.error,
});

/** The newest runs of a kind, newest first. */
export async function recentRuns<C>(q: Queryable, kind: MaintenanceKind, limit: number) {
  const rows = await runsOf(q, eq(runs.kind, kind)).orderBy(desc(runs.startedAt), desc(runs.id)).limit(limit);
  return rows.map((r) => viewOf<C>(r));
}

/** Whether a run of the kind is queued or running (and not stale). */
export async function runInFlight(q: Queryable, kind: MaintenanceKind): Promise<boolean> {
  const rows = await dbOn(q).select({ id: runs.id }).from(runs).where(inFlight(kind)).limit(1);
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
  const db = dbOn(c);
  await db.execute(sql`SELECT pg_advisory_xact_lock(5213, 3)`);
  const [running] = await db.select({ id: runs.id }).from(runs).where(inFlight(kind)).limit(1);
  if (running) throw new ConflictError(busy(String(running.id)));
  const [queued] = await db
    .insert(runs)
    .values({ kind, trigger: 'manual', startedBy: actor.id, status: 'queued' })
    .returning({ id: runs.id });
  if (!queued) throw new Error('insert returned nothing');
  await writeAudit(c, {
    action: audit.action,
    actorId: actor.id,
    actorRole: actor.role,
    targetType: 'maintenance_run',
    targetId: String(queued.id),
    details: audit.details ?? {},
  });
  const [made] = await runsOf(c, and(eq(runs.kind, kind), eq(runs.id, queued.id)));
  if (!made) throw new Error('the queued run could not be read back');
  return viewOf<C>(made);
}
