import {
  inTransaction,
  RISK_OVERRIDE_SEALED,
  SEALED_COLUMNS,
  type SealedColumnTable,
  sealedCountsByVersion,
} from '@korgon/db';
import type { ReencryptCounts } from '@korgon/domain';
import { readableVersions, reseal, type SealKeyring, UnreadableError } from '@korgon/signing';
import type pg from 'pg';
import {
  beginScheduledRun,
  endRun,
  failInterruptedRuns,
  type MaintenanceRun,
  takeUpQueuedRun,
} from './maintenance-run';

/** Rows per transaction: each batch holds its rows' locks only for as long as it takes to re-seal them. */
const BATCH = 200;
/** Passes over a table: rows another transaction held locked during one pass are taken by the next. */
const PASSES = 4;
/** One re-encryption run at a time cleans up after an interrupted one (a session advisory lock, tried). */
export const REENCRYPT_LOCK = [5213, 2] as const;
const NO_ID = '00000000-0000-0000-0000-000000000000';

export interface ReencryptOptions {
  key: SealKeyring;
  /** An admin's "Re-encrypt now": the row the server made (status 'queued'); none: the worker's own run. */
  runId?: number | undefined;
  batch?: number;
  log?: (counts: ReencryptCounts, msg: string) => void;
}

export interface ReencryptResult {
  /** Null: nothing to do, so no run was recorded (the worker's own runs only). */
  runId: number | null;
  counts: ReencryptCounts;
}

type TableCounts = { resealed: number; unreadable: number };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One batch of a table: rows under another version than the current one, after `after` in id order, locked
 * with SKIP LOCKED (a row the server is writing is left for a later pass; the server's own write seals it under
 * the current key anyway). Each row's texts are opened with the keyring and sealed again under the current
 * key, for the same record, in one UPDATE. A row the keyring cannot open is left as it is and counted.
 */
async function columnBatch(
  pool: pg.Pool,
  key: SealKeyring,
  t: SealedColumnTable,
  after: string,
  skip: readonly string[],
  batch: number,
): Promise<{ seen: number; last: string | null; resealed: number; unreadable: string[] }> {
  const cols = t.columns.map((c) => c.column);
  return inTransaction(pool, async (c) => {
    const { rows } = await c.query<Record<string, unknown> & { id: string; v: number }>(
      `SELECT id, ${t.versionColumn} AS v, ${cols.join(', ')} FROM ${t.table}
        WHERE ${t.versionColumn} <> $1 AND (${cols.map((col) => `${col} IS NOT NULL`).join(' OR ')})
          AND id > $2 AND NOT (id = ANY($3::uuid[]))
        ORDER BY id LIMIT $4 FOR UPDATE SKIP LOCKED`,
      [key.version, after, skip, batch],
    );
    const ids: string[] = [];
    const values: (Buffer | null)[][] = cols.map(() => []);
    const unreadable: string[] = [];
    for (const r of rows) {
      try {
        const next = t.columns.map(({ column, suffix }) => {
          const sealed = r[column] as Buffer | null;
          return sealed ? reseal(key, `${r.id}${suffix}`, sealed, r.v) : null;
        });
        ids.push(r.id);
        for (const [i, v] of next.entries()) values[i]?.push(v);
      } catch (err) {
        if (!(err instanceof UnreadableError)) throw err;
        unreadable.push(r.id);
      }
    }
    if (ids.length > 0)
      await c.query(
        `UPDATE ${t.table} t SET ${cols.map((col, i) => `${col} = u.c${i}`).join(', ')}, ${t.versionColumn} = $1
           FROM unnest($2::uuid[], ${cols.map((_, i) => `$${i + 3}::bytea[]`).join(', ')})
                AS u(id, ${cols.map((_, i) => `c${i}`).join(', ')})
          WHERE t.id = u.id`,
        [key.version, ids, ...values],
      );
    return { seen: rows.length, last: rows.at(-1)?.id ?? null, resealed: ids.length, unreadable };
  });
}

/** The same for risk overrides, whose sealed text lives in jsonb (`override.textSealed`, base64). */
async function overrideBatch(
  pool: pg.Pool,
  key: SealKeyring,
  after: string,
  skip: readonly string[],
  batch: number,
): Promise<{ seen: number; last: string | null; resealed: number; unreadable: string[] }> {
  return inTransaction(pool, async (c) => {
    const { rows } = await c.query<{ id: string; v: number; sealed: string }>(
      `SELECT id, ${RISK_OVERRIDE_SEALED.version} AS v, override->>'textSealed' AS sealed FROM risk_assessments
        WHERE ${RISK_OVERRIDE_SEALED.version} <> $1 AND ${RISK_OVERRIDE_SEALED.present}
          AND id > $2 AND NOT (id = ANY($3::uuid[]))
        ORDER BY id LIMIT $4 FOR UPDATE SKIP LOCKED`,
      [key.version, after, skip, batch],
    );
    const ids: string[] = [];
    const sealed: string[] = [];
    const unreadable: string[] = [];
    for (const r of rows) {
      try {
        sealed.push(reseal(key, r.id, Buffer.from(r.sealed, 'base64'), r.v).toString('base64'));
        ids.push(r.id);
      } catch (err) {
        if (!(err instanceof UnreadableError)) throw err;
        unreadable.push(r.id);
      }
    }
    if (ids.length > 0)
      await c.query(
        `UPDATE risk_assessments r
            SET override = r.override || jsonb_build_object('textSealed', u.sealed, 'keyVersion', $1::int)
           FROM unnest($2::uuid[], $3::text[]) AS u(id, sealed)
          WHERE r.id = u.id`,
        [key.version, ids, sealed],
      );
    return { seen: rows.length, last: rows.at(-1)?.id ?? null, resealed: ids.length, unreadable };
  });
}

/** Every row of one table moved to the current key: passes in id order until none is left (or only unreadable ones). */
async function reencryptTable(
  next: (after: string, skip: readonly string[]) => ReturnType<typeof columnBatch>,
  left: (skip: readonly string[]) => Promise<number>,
  batch: number,
): Promise<TableCounts> {
  const counts: TableCounts = { resealed: 0, unreadable: 0 };
  const unreadable: string[] = [];
  for (let pass = 0; pass < PASSES; pass++) {
    let after = NO_ID;
    for (;;) {
      const b = await next(after, unreadable);
      counts.resealed += b.resealed;
      unreadable.push(...b.unreadable);
      if (b.seen < batch || b.last === null) break;
      after = b.last;
    }
    if ((await left(unreadable)) === 0) break;
    // Rows locked by the server (or by another worker's run) during this pass: a moment, then another pass.
    await sleep(200 * (pass + 1));
  }
  counts.unreadable = unreadable.length;
  return counts;
}

/** Moves every sealed text to the current key, table by table; counts per table. */
export async function reencryptAll(
  pool: pg.Pool,
  key: SealKeyring,
  batch = BATCH,
): Promise<Required<ReencryptCounts>> {
  const tables: Record<string, TableCounts> = {};
  for (const t of SEALED_COLUMNS) {
    const present = t.columns.map((c) => `${c.column} IS NOT NULL`).join(' OR ');
    tables[t.table] = await reencryptTable(
      (after, skip) => columnBatch(pool, key, t, after, skip, batch),
      async (skip) =>
        (
          await pool.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM ${t.table}
              WHERE ${t.versionColumn} <> $1 AND (${present}) AND NOT (id = ANY($2::uuid[]))`,
            [key.version, skip],
          )
        ).rows[0]?.n ?? 0,
      batch,
    );
  }
  tables.risk_assessments = await reencryptTable(
    (after, skip) => overrideBatch(pool, key, after, skip, batch),
    async (skip) =>
      (
        await pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM risk_assessments
            WHERE ${RISK_OVERRIDE_SEALED.version} <> $1 AND ${RISK_OVERRIDE_SEALED.present}
              AND NOT (id = ANY($2::uuid[]))`,
          [key.version, skip],
        )
      ).rows[0]?.n ?? 0,
    batch,
  );
  const remaining = (await sealedCountsByVersion(pool))
    .filter((c) => c.version !== key.version)
    .reduce((n, c) => n + c.rows, 0);
  return { toVersion: key.version, tables, remaining };
}

/**
 * A re-encryption run (docs/security.md "Key rotation"): re-seals under the current notes key every text sealed
 * under an older one, in short batches with row locks taken with SKIP LOCKED, so the server goes on reading and
 * writing meanwhile. Idempotent (a re-sealed row no longer matches), safe with two workers at once (each takes
 * the rows the other has not locked). Recorded in `maintenance_runs` (kind 'reencrypt') and audited once, with
 * its counts. The worker's own run (no runId) records nothing when there is nothing to move.
 */
export async function runReencrypt(pool: pg.Pool, opts: ReencryptOptions): Promise<ReencryptResult> {
  const client = await pool.connect();
  let run: MaintenanceRun | undefined;
  let locked = false;
  try {
    const { rows: lock } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [
      ...REENCRYPT_LOCK,
    ]);
    locked = lock[0]?.ok === true;
    if (locked) await failInterruptedRuns(client, 'reencrypt', opts.runId);
    if (opts.runId !== undefined) {
      const taken = await takeUpQueuedRun(client, 'reencrypt', opts.runId);
      if ('succeeded' in taken) return { runId: opts.runId, counts: taken.succeeded as ReencryptCounts };
      run = taken.run;
    } else {
      const pending = (await sealedCountsByVersion(client)).some(
        (c) => c.version !== opts.key.version && readableVersions(opts.key).includes(c.version ?? -1),
      );
      if (!pending) return { runId: null, counts: {} };
      run = await beginScheduledRun(client, 'reencrypt');
    }

    const counts = await reencryptAll(pool, opts.key, opts.batch ?? BATCH);
    await endRun(client, run, 'keys.reencrypted', counts);
    opts.log?.(counts, 'key rotation: sealed text re-sealed under the current notes key');
    return { runId: run.id, counts };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    if (run) await endRun(client, run, 'keys.reencrypted', {}, err);
    throw err;
  } finally {
    if (locked)
      await client.query('SELECT pg_advisory_unlock($1, $2)', [...REENCRYPT_LOCK]).catch(() => undefined);
    client.release();
  }
}

/** The job's processor: the worker's own run (at its start, and daily) or an admin's "Re-encrypt now". */
export function keysReencrypt(
  pool: pg.Pool,
  key: SealKeyring,
  log: (counts: ReencryptCounts, msg: string) => void,
) {
  return async (data: { runId?: number | undefined }) => {
    await runReencrypt(pool, { key, runId: data.runId, log });
  };
}
