import { z } from 'zod';
import { maintenanceRunSchema } from './maintenance-runs';

/**
 * Key rotation (issue 13, docs/security.md "Key rotation"): what an admin sees of the notes keyring and the caller
 * HMAC keys (versions, counts and dates; never key material), and the runs of the re-encryption job
 * (`maintenance_runs`, kind 'reencrypt').
 */
export const SEALED_TABLES = [
  'consultations',
  'consultation_addenda',
  'risk_assessments',
  'follow_ups',
  'referrals',
  'handover_notes',
  'partner_orgs',
  'users',
] as const;
export const SealedTable = z.enum(SEALED_TABLES);
export type SealedTable = z.infer<typeof SealedTable>;

export const CALLER_HASH_TABLES = ['calls', 'call_events', 'consultations'] as const;
export const CallerHashTable = z.enum(CALLER_HASH_TABLES);
export type CallerHashTable = z.infer<typeof CallerHashTable>;

/** Per table: rows re-sealed, rows found unreadable (a version no configured key holds, or altered), left locked. */
export const ReencryptTableCounts = z.object({
  resealed: z.number().int(),
  unreadable: z.number().int(),
});

/** What a run did. Counts only, never content. */
export const ReencryptCounts = z
  .object({
    /** The version everything was moved to. */
    toVersion: z.number().int(),
    tables: z.record(z.string(), ReencryptTableCounts),
    /** Rows still under an older version when it finished (busy rows a later run takes, or unreadable ones). */
    remaining: z.number().int(),
  })
  .partial();
export type ReencryptCounts = z.infer<typeof ReencryptCounts>;

export const ReencryptRun = maintenanceRunSchema('ReencryptRun', ReencryptCounts);
export type ReencryptRun = z.infer<typeof ReencryptRun>;

export const KeyVersionCount = z.object({
  version: z.number().int().nullable(),
  rows: z.number().int(),
});

export const KeyStatus = z
  .object({
    notes: z.object({
      currentVersion: z.number().int(),
      /** Every version the configured keys read, the current one first. */
      readableVersions: z.array(z.number().int()),
      tables: z.array(z.object({ table: SealedTable, versions: z.array(KeyVersionCount) })),
      /** Rows under a version other than the current one: what a run moves. */
      pending: z.number().int(),
      /** Rows under a version no configured key reads. */
      unreadable: z.number().int(),
      /** Old versions configured that no row uses any more: safe to remove from NOTES_ENCRYPTION_KEYS_OLD. */
      removable: z.array(z.number().int()),
    }),
    callers: z.object({
      currentVersion: z.number().int(),
      /** How long an old key keeps matching callers after it was retired. */
      matchDays: z.number().int(),
      oldKeys: z.array(
        z.object({
          version: z.number().int(),
          retiredOn: z.iso.date(),
          matchingUntil: z.iso.date(),
          daysLeft: z.number().int(),
          /** Still used to match callers (retired less than matchDays ago). */
          matching: z.boolean(),
        }),
      ),
      tables: z.array(
        z.object({
          table: CallerHashTable,
          versions: z.array(z.object({ version: z.number().int(), rows: z.number().int() })),
        }),
      ),
    }),
    runs: z.array(ReencryptRun),
    /** A run queued or running now. */
    running: z.boolean(),
  })
  .meta({ id: 'KeyStatus' });
export type KeyStatus = z.infer<typeof KeyStatus>;

export const ReencryptStarted = z.object({ runId: z.number().int() }).meta({ id: 'ReencryptStarted' });
export type ReencryptStarted = z.infer<typeof ReencryptStarted>;
