import { callerHashCountsByVersion, inTransaction, sealedCountsByVersion } from '@korgon/db';
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
import { queueRun, recentRuns, runInFlight } from '../../maintenance-runs';
import type { SessionUser } from '../auth/repository';

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
        recentRuns<ReencryptCounts>(d.pool, 'reencrypt', 10),
        runInFlight(d.pool, 'reencrypt'),
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
        runs,
        running,
      };
    },

    async reencryptNow(actor: SessionUser): Promise<ReencryptRun> {
      const run = await inTransaction(d.pool, (c) =>
        queueRun<ReencryptCounts>(
          c,
          'reencrypt',
          actor,
          { action: 'keys.reencrypt_requested', details: { toVersion: d.notes.version } },
          (id) => `A re-encryption run (number ${id}) is queued or running already: wait for it to finish.`,
        ),
      );
      await d.jobs.enqueue([reencryptJob(run.id)]);
      return run;
    },
  };
}
export type KeysService = ReturnType<typeof createKeysService>;
