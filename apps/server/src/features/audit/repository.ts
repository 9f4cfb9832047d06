import { dbOn, schema } from '@korgon/db';
import { and, desc, eq, inArray, lt, type SQL, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type pg from 'pg';

const { auditLog, users } = schema;

export type AuditRow = Pick<
  typeof auditLog.$inferSelect,
  'id' | 'at' | 'actorId' | 'actorRole' | 'action' | 'targetType' | 'targetId' | 'details'
> & { actorUsername: string | null; actorDisplayName: string | null; targetUsername: string | null };

export interface AuditFilter {
  actorId?: string;
  /** Exact actions (a prefix is resolved to the actions it covers beforehand). */
  actions?: string[];
  targetType?: string;
  targetId?: string;
  from?: string;
  to?: string;
  /** Entries with a smaller id. */
  beforeId?: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The smallest id whose entry (and every later one) was written at or after `t`: a binary search over the
 * primary key, one index probe per step, in one statement. It relies on what the chain trigger guarantees
 * (migration 0001): ids and times are assigned together, under one lock, so they rise together; a time
 * filter alone would otherwise walk the whole log backwards (no index leads with `at`).
 */
const BOUND_SQL = `
WITH RECURSIVE b(lo, hi) AS (
  SELECT (SELECT coalesce(min(id), 1) FROM audit_log), (SELECT coalesce(max(id), 0) + 1 FROM audit_log)
  UNION ALL
  SELECT CASE WHEN p.ok THEN b.lo ELSE (b.lo + b.hi) / 2 + 1 END,
         CASE WHEN p.ok THEN (b.lo + b.hi) / 2 ELSE b.hi END
    FROM b CROSS JOIN LATERAL (
      SELECT coalesce((SELECT a.at >= $1::timestamptz FROM audit_log a
                        WHERE a.id >= (b.lo + b.hi) / 2 ORDER BY a.id LIMIT 1), true) AS ok
    ) p
   WHERE b.lo < b.hi
)
SELECT min(hi) AS bound FROM b`;

/**
 * The audit log as the viewer reads it: a keyset page over filters (drizzle); the time bounds and the list of
 * actions are recursive CTEs (an index skip-scan), raw SQL.
 */
export function createAuditRepository(pool: pg.Pool) {
  const db = dbOn(pool);
  const actor = alias(users, 'au');
  const target = alias(users, 'tu');

  async function idBound(t: string): Promise<number> {
    const { rows } = await pool.query<{ bound: string }>(BOUND_SQL, [t]);
    return Number(rows[0]?.bound ?? 1);
  }

  return {
    /** A user id, or the id of the user with this username (case-insensitive); null when none. */
    async resolveActor(name: string): Promise<string | null> {
      const [row] = await db
        .select({ id: users.id })
        .from(users)
        .where(UUID.test(name) ? eq(users.id, name) : sql`lower(${users.username}) = lower(${name})`);
      // A well-formed id of an account since removed still names entries.
      return row?.id ?? (UUID.test(name) ? name.toLowerCase() : null);
    },

    /** An entry's time and hash (the chain status names the last verified entry, and compares checkpoints). */
    async entry(id: number): Promise<Pick<typeof auditLog.$inferSelect, 'at' | 'hash'> | undefined> {
      const [row] = await db
        .select({ at: auditLog.at, hash: auditLog.hash })
        .from(auditLog)
        .where(eq(auditLog.id, id));
      return row;
    },

    /**
     * Every distinct action in the log, by a loose index scan of (action, at): one probe per action, not a
     * walk over every entry.
     */
    async distinctActions(): Promise<string[]> {
      const { rows } = await pool.query<{ action: string }>(`
        WITH RECURSIVE a(action) AS (
          SELECT min(action) FROM audit_log
          UNION ALL
          SELECT (SELECT min(action) FROM audit_log WHERE action > a.action) FROM a WHERE a.action IS NOT NULL
        )
        SELECT action FROM a WHERE action IS NOT NULL`);
      return rows.map((r) => r.action);
    },

    /** A page, newest first: `limit` entries matching every filter given. */
    async page(f: AuditFilter, limit: number): Promise<AuditRow[]> {
      const where: SQL[] = [];
      if (f.actorId !== undefined) where.push(eq(auditLog.actorId, f.actorId));
      if (f.actions !== undefined) where.push(inArray(auditLog.action, f.actions));
      if (f.targetType !== undefined) where.push(eq(auditLog.targetType, f.targetType));
      if (f.targetId !== undefined) where.push(eq(auditLog.targetId, f.targetId));
      if (f.beforeId !== undefined) where.push(lt(auditLog.id, f.beforeId));
      if (f.from !== undefined) {
        where.push(sql`${auditLog.id} >= ${await idBound(f.from)}`);
        where.push(sql`${auditLog.at} >= ${f.from}::timestamptz`);
      }
      if (f.to !== undefined) {
        where.push(lt(auditLog.id, await idBound(f.to)));
        where.push(sql`${auditLog.at} < ${f.to}::timestamptz`);
      }
      return db
        .select({
          id: auditLog.id,
          at: auditLog.at,
          actorId: auditLog.actorId,
          actorRole: auditLog.actorRole,
          action: auditLog.action,
          targetType: auditLog.targetType,
          targetId: auditLog.targetId,
          details: auditLog.details,
          actorUsername: actor.username,
          actorDisplayName: actor.displayName,
          targetUsername: target.username,
        })
        .from(auditLog)
        .leftJoin(actor, eq(actor.id, auditLog.actorId))
        .leftJoin(
          target,
          and(eq(auditLog.targetType, 'user'), sql`${target.id}::text = ${auditLog.targetId}`),
        )
        .where(and(...where))
        .orderBy(desc(auditLog.id))
        .limit(limit);
    },
  };
}
export type AuditRepository = ReturnType<typeof createAuditRepository>;
