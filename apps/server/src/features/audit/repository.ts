import type pg from 'pg';

export interface AuditRow {
  id: string;
  at: Date;
  actor_id: string | null;
  actor_role: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  details: Record<string, unknown> | null;
  actor_username: string | null;
  actor_display_name: string | null;
  target_username: string | null;
}

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

/** The audit log as the viewer reads it (raw SQL: a keyset page over filters, and an index skip-scan). */
export function createAuditRepository(pool: pg.Pool) {
  async function idBound(t: string): Promise<number> {
    const { rows } = await pool.query<{ bound: string }>(BOUND_SQL, [t]);
    return Number(rows[0]?.bound ?? 1);
  }

  return {
    /** A user id, or the id of the user with this username (case-insensitive); null when none. */
    async resolveActor(actor: string): Promise<string | null> {
      const { rows } = await pool.query<{ id: string }>(
        UUID.test(actor)
          ? 'SELECT id FROM users WHERE id = $1::uuid'
          : 'SELECT id FROM users WHERE lower(username) = lower($1)',
        [actor],
      );
      // A well-formed id of an account since removed still names entries.
      return rows[0]?.id ?? (UUID.test(actor) ? actor.toLowerCase() : null);
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
      const where: string[] = [];
      const args: unknown[] = [];
      const arg = (v: unknown) => {
        args.push(v);
        return `$${args.length}`;
      };
      if (f.actorId !== undefined) where.push(`l.actor_id = ${arg(f.actorId)}::uuid`);
      if (f.actions !== undefined) where.push(`l.action = ANY(${arg(f.actions)}::text[])`);
      if (f.targetType !== undefined) where.push(`l.target_type = ${arg(f.targetType)}`);
      if (f.targetId !== undefined) where.push(`l.target_id = ${arg(f.targetId)}`);
      if (f.beforeId !== undefined) where.push(`l.id < ${arg(f.beforeId)}`);
      if (f.from !== undefined) {
        where.push(`l.id >= ${arg(await idBound(f.from))}`);
        where.push(`l.at >= ${arg(f.from)}::timestamptz`);
      }
      if (f.to !== undefined) {
        where.push(`l.id < ${arg(await idBound(f.to))}`);
        where.push(`l.at < ${arg(f.to)}::timestamptz`);
      }
      const { rows } = await pool.query<AuditRow>(
        `SELECT l.id, l.at, l.actor_id, l.actor_role, l.action, l.target_type, l.target_id, l.details,
                au.username AS actor_username, au.display_name AS actor_display_name,
                tu.username AS target_username
           FROM audit_log l
           LEFT JOIN users au ON au.id = l.actor_id
           LEFT JOIN users tu ON l.target_type = 'user' AND tu.id::text = l.target_id
          ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
          ORDER BY l.id DESC
          LIMIT ${arg(limit)}`,
        args,
      );
      return rows;
    },
  };
}
export type AuditRepository = ReturnType<typeof createAuditRepository>;
