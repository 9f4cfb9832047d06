import type { Queryable } from './queryable';

/**
 * Every column that holds text sealed with the notes key (docs/security.md "Key rotation"), with the column of
 * its key version and the record id each text is bound to (`<id><suffix>`). The re-encryption job walks this
 * list; the admin's key status counts it. A new sealed column belongs here, or a rotation leaves it behind.
 */
export interface SealedColumnTable {
  /** The table, also its name in the counts. */
  table: SealedTableName;
  versionColumn: string;
  /** The sealed bytea columns, each with what follows the row's id in the id it is sealed for. */
  columns: readonly { column: string; suffix: string }[];
}

export const SEALED_TABLE_NAMES = [
  'consultations',
  'consultation_addenda',
  'risk_assessments',
  'follow_ups',
  'referrals',
  'handover_notes',
  'partner_orgs',
  'users',
] as const;
export type SealedTableName = (typeof SEALED_TABLE_NAMES)[number];

export const SEALED_COLUMNS: readonly SealedColumnTable[] = [
  {
    table: 'consultations',
    versionColumn: 'notes_key_version',
    columns: [{ column: 'notes_ciphertext', suffix: '' }],
  },
  {
    table: 'consultation_addenda',
    versionColumn: 'key_version',
    columns: [{ column: 'text_ciphertext', suffix: '' }],
  },
  {
    table: 'follow_ups',
    versionColumn: 'key_version',
    columns: [{ column: 'reason_sealed', suffix: ':reason' }],
  },
  {
    table: 'referrals',
    versionColumn: 'key_version',
    columns: [
      { column: 'consent_exception_reason_sealed', suffix: ':exception' },
      { column: 'message_sealed', suffix: ':message' },
      { column: 'outcome_sealed', suffix: ':outcome' },
      { column: 'rejection_reason_sealed', suffix: ':rejection' },
    ],
  },
  {
    table: 'handover_notes',
    versionColumn: 'key_version',
    columns: [{ column: 'body_sealed', suffix: ':handover' }],
  },
  {
    table: 'partner_orgs',
    versionColumn: 'webhook_secret_key_version',
    columns: [{ column: 'webhook_secret_sealed', suffix: ':webhook' }],
  },
  {
    table: 'users',
    versionColumn: 'totp_key_version',
    columns: [{ column: 'totp_secret_sealed', suffix: '' }],
  },
];

/**
 * A risk assessment's override keeps its sealed text inside jsonb (`override.textSealed`, base64, for the
 * assessment's id, with `override.keyVersion`): counted and re-sealed apart from the columns above.
 */
export const RISK_OVERRIDE_SEALED = {
  table: 'risk_assessments',
  version: `(override->>'keyVersion')::int`,
  present: `override->>'textSealed' IS NOT NULL`,
} as const;

const presentOf = (t: SealedColumnTable) => t.columns.map((c) => `${c.column} IS NOT NULL`).join(' OR ');

/** Rows holding sealed text (shredded ones, all null, are not counted), per key version, per table. */
export async function sealedCountsByVersion(
  q: Queryable,
): Promise<{ table: SealedTableName; version: number | null; rows: number }[]> {
  const parts = [
    ...SEALED_COLUMNS.map(
      (t) =>
        `SELECT '${t.table}' AS t, ${t.versionColumn}::int AS version, count(*)::int AS rows
           FROM ${t.table} WHERE ${presentOf(t)} GROUP BY 2`,
    ),
    `SELECT '${RISK_OVERRIDE_SEALED.table}' AS t, ${RISK_OVERRIDE_SEALED.version} AS version, count(*)::int AS rows
       FROM risk_assessments WHERE ${RISK_OVERRIDE_SEALED.present} GROUP BY 2`,
  ];
  const { rows } = await q.query<{ t: SealedTableName; version: number | null; rows: number }>(
    `${parts.join('\nUNION ALL\n')} ORDER BY 1, 2`,
  );
  return rows.map((r) => ({ table: r.t, version: r.version, rows: r.rows }));
}

/** Rows holding sealed text under any version other than `current` (what a re-encryption run would move). */
export async function sealedRowsNotAt(q: Queryable, current: number): Promise<number> {
  const counts = await sealedCountsByVersion(q);
  return counts.filter((c) => c.version !== current).reduce((n, c) => n + c.rows, 0);
}

/** The tables that hold a caller hash, each with the version of the key that made it. */
export const CALLER_HASH_TABLES = ['calls', 'call_events', 'consultations'] as const;
export type CallerHashTable = (typeof CALLER_HASH_TABLES)[number];

/**
 * Caller hashes per key version, per table. Hashes stored before versions were recorded (null) were made by the
 * only key there was, version 1.
 */
export async function callerHashCountsByVersion(
  q: Queryable,
): Promise<{ table: CallerHashTable; version: number; rows: number }[]> {
  const parts = CALLER_HASH_TABLES.map(
    (t) =>
      `SELECT '${t}' AS t, coalesce(caller_hash_key_version, 1) AS version, count(*)::int AS rows
         FROM ${t} WHERE caller_hash IS NOT NULL GROUP BY 2`,
  );
  const { rows } = await q.query<{ t: CallerHashTable; version: number; rows: number }>(
    `${parts.join('\nUNION ALL\n')} ORDER BY 1, 2`,
  );
  return rows.map((r) => ({ table: r.t, version: r.version, rows: r.rows }));
}
