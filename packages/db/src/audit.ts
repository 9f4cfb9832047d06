import type { AuditAction } from '@korgon/domain';
import { sql } from 'drizzle-orm';
import type { DbOrTx } from './client';
import type { Queryable } from './queryable';

export interface AuditEntry {
  action: AuditAction;
  actorId?: string | null;
  actorRole?: string | null;
  targetType?: string | null;
  targetId?: string | null;
  ipHash?: string | null;
  /** Ids and coarse facts only: never a caller's number, a note or a password. */
  details?: Record<string, unknown>;
}

/**
 * Appends one entry, on the same connection (and so in the same transaction) as the change it records: a
 * drizzle handle or transaction, or a pg client. The database assigns its id, time and hash links
 * (see migration 0001).
 */
export async function writeAudit(db: DbOrTx | Queryable, e: AuditEntry): Promise<void> {
  const values = [
    e.actorId ?? null,
    e.actorRole ?? null,
    e.action,
    e.targetType ?? null,
    e.targetId ?? null,
    e.ipHash ?? null,
    JSON.stringify(e.details ?? {}),
  ] as const;
  if ('execute' in db) {
    await db.execute(sql`
      INSERT INTO audit_log (actor_id, actor_role, action, target_type, target_id, ip_hash, details)
      VALUES (${values[0]}, ${values[1]}, ${values[2]}, ${values[3]}, ${values[4]}, ${values[5]}, ${values[6]}::jsonb)`);
    return;
  }
  await db.query(
    `INSERT INTO audit_log (actor_id, actor_role, action, target_type, target_id, ip_hash, details)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)`,
    [...values],
  );
}

export type AuditVerdict =
  | { ok: true; rows: number; lastHash: string | null; lastId: number | null }
  | { ok: false; rows: number; brokenAt: number; reason: string };

const GENESIS = '0'.repeat(64);

/**
 * Walks the whole chain in id order, in pages, recomputing every hash. Reports the first broken link:
 * a row whose content no longer matches its hash, or whose prev_hash is not the previous row's hash.
 *
 * `from`: an entry already verified (its id and hash): only the entries after it are walked, the first linked to
 * that hash (the audit viewer's incremental check). `rows` then counts the entries walked.
 */
export async function verifyAuditChain(
  q: Queryable,
  pageSize = 5000,
  from?: { id: number; hash: string },
): Promise<AuditVerdict> {
  let prev = from?.hash ?? GENESIS;
  let afterId = from?.id ?? -1;
  let rows = 0;
  for (;;) {
    const page = await q.query<{ id: number; prev_hash: string; hash: string; expected: string }>(
      `SELECT id, prev_hash, hash,
              audit_log_row_hash(prev_hash, id, at, actor_id, actor_role, action, target_type, target_id,
                                 ip_hash, details) AS expected
         FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2`,
      [afterId, pageSize],
    );
    for (const r of page.rows) {
      const id = Number(r.id);
      if (r.prev_hash !== prev) {
        return {
          ok: false,
          rows,
          brokenAt: id,
          reason: 'prev_hash does not match the previous row (a row was removed, inserted or reordered)',
        };
      }
      if (r.expected !== r.hash) {
        return {
          ok: false,
          rows,
          brokenAt: id,
          reason: 'the row was altered after it was written (its hash does not match its content)',
        };
      }
      prev = r.hash;
      afterId = id;
      rows++;
    }
    if (page.rows.length < pageSize) break;
  }
  const some = rows > 0 || from !== undefined;
  return { ok: true, rows, lastHash: some ? prev : null, lastId: some ? afterId : null };
}
