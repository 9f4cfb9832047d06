import { callerHashCountsByVersion, inTransaction, sealedCountsByVersion, writeAudit } from '@korgon/db';
import {
  CALLER_HASH_TABLES,
  type Clock,
  type KeyStatus,
  type ReencryptCounts,
  type ReencryptRun,
  reencryptJob,
  SEALED_TABLES,
} from '@korgon/domain';
import type { SafeJobs } from '@korgon/jobs';
import {
  CALLER_MATCH_DAYS,
  type CallerKeyring,
  matchingDaysLeft,
  matchingUntil,
  readableVersions,
  type SealKeyring,
} from '@korgon/signing';
import type pg from 'pg';
import { ConflictError } from '../../errors';
import type { SessionUser } from '../auth/repository';

interface RunRow {
  id: string;
  trigger: 'schedule' | 'manual';
  started_by: string | null;
  started_by_name: string | null;
  started_at: Date;
  finished_at: Date | null;
  status: ReencryptRun['status'];
  counts: ReencryptCounts;
  error: string | null;
}

const runView = (r: RunRow): ReencryptRun => ({
  id: Number(r.id),
  trigger: r.trigger,
  startedBy: r.started_by ? { id: r.started_by, displayName: r.started_by_name ?? '' } : null,
  startedAt: r.started_at.toISOString(),
  finishedAt: r.finished_at?.toISOString() ?? null,
  status: r.status,
  counts: r.counts,
  error: r.error,
});

/** A run queued or running for longer than this is taken to be lost (its worker stopped): a new one may start. */
const RUN_STALE_HOURS = 6;
const day = (d: Date) => d.toISOString().slice(0, 10);

export interface KeysDeps {
  pool: pg.Pool;
  jobs: SafeJobs;
  notes: SealKeyring;
  callers: CallerKeyring;
  clock: Clock;
}

/**
 * The admin's view of key rotation (docs/security.md "Key rotation"): versions, counts and dates, never key
 * material; and "Re-encrypt now" (a queued run, then its job: ids only), audited.
 */
export function createKeysService(d: KeysDeps) {
  return {
    async status(): Promise<KeyStatus> {
      const [sealed, hashes, runs, running] = await Promise.all([
        sealedCountsByVersion(d.pool),
        callerHashCountsByVersion(d.pool),
        d.pool.query<RunRow>(
          `SELECT m.id, m.trigger, m.started_by, u.display_name AS started_by_name, m.started_at, m.finished_at,
                  m.status, m.counts, m.error
             FROM maintenance_runs m LEFT JOIN users u ON u.id = m.started_by
            WHERE m.kind = 'reencrypt' ORDER BY m.started_at DESC, m.id DESC LIMIT 10`,
        ),
        d.pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM maintenance_runs
            WHERE kind = 'reencrypt' AND status IN ('queued', 'running')
              AND started_at > now() - make_interval(hours => ${RUN_STALE_HOURS})`,
        ),
      ]);
      const readable = readableVersions(d.notes);
      const now = d.clock.now();
      return {
        notes: {
          currentVersion: d.notes.version,
          readableVersions: readable,
          tables: SEALED_TABLES.map((table) => ({
            table,
            versions: sealed
              .filter((c) => c.table === table)
              .map((c) => ({ version: c.version, rows: c.rows })),
          })),
          pending: sealed.filter((c) => c.version !== d.notes.version).reduce((n, c) => n + c.rows, 0),
          unreadable: sealed
            .filter((c) => !readable.includes(c.version ?? -1))
            .reduce((n, c) => n + c.rows, 0),
          removable: readable.slice(1).filter((v) => !sealed.some((c) => c.version === v)),
        },
        callers: {
          currentVersion: d.callers.current.version,
          matchDays: CALLER_MATCH_DAYS,
          oldKeys: [...d.callers.old]
            .sort((a, b) => b.version - a.version)
            .map((k) => ({
              version: k.version,
              retiredOn: day(k.retiredAt),
              matchingUntil: day(matchingUntil(k)),
              daysLeft: matchingDaysLeft(k, now),
              matching: matchingDaysLeft(k, now) > 0,
            })),
          tables: CALLER_HASH_TABLES.map((table) => ({
            table,
            versions: hashes
              .filter((c) => c.table === table)
              .map((c) => ({ version: c.version, rows: c.rows })),
          })),
        },
        runs: runs.rows.map(runView),
        running: (running.rows[0]?.n ?? 0) > 0,
      };
    },

    async reencryptNow(actor: SessionUser): Promise<ReencryptRun> {
      const run = await inTransaction(d.pool, async (c) => {
        // One at a time from here (two would only share the work): the check and the insert under one lock.
        await c.query(`SELECT pg_advisory_xact_lock(5213, 3)`);
        const { rows: busy } = await c.query<{ id: string }>(
          `SELECT id FROM maintenance_runs
            WHERE kind = 'reencrypt' AND status IN ('queued', 'running')
              AND started_at > now() - make_interval(hours => ${RUN_STALE_HOURS})
            LIMIT 1`,
        );
        if (busy[0])
          throw new ConflictError(
            `A re-encryption run (number ${busy[0].id}) is queued or running already: wait for it to finish.`,
          );
        const { rows } = await c.query<RunRow>(
          `INSERT INTO maintenance_runs (kind, trigger, started_by, status)
           VALUES ('reencrypt', 'manual', $1, 'queued')
           RETURNING id, trigger, started_by, NULL::text AS started_by_name, started_at, finished_at, status, counts, error`,
          [actor.id],
        );
        const row = rows[0] as RunRow;
        await writeAudit(c, {
          action: 'keys.reencrypt_requested',
          actorId: actor.id,
          actorRole: actor.role,
          targetType: 'maintenance_run',
          targetId: String(row.id),
          details: { toVersion: d.notes.version },
        });
        return { ...row, started_by_name: actor.displayName };
      });
      await d.jobs.enqueue([reencryptJob(Number(run.id))]);
      return runView(run);
    },
  };
}
export type KeysService = ReturnType<typeof createKeysService>;
