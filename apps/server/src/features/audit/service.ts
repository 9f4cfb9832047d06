import { writeAudit } from '@korgon/db';
import { AUDIT_ACTIONS, type AuditLogEntry, type AuditLogPage, type AuditLogQuery } from '@korgon/domain';
import type pg from 'pg';
import type { SessionUser } from '../auth/repository';
import { type AuditRow, createAuditRepository } from './repository';

const MAX_STRING = 200;
const MAX_ITEMS = 50;

/**
 * Details as stored are ids and coarse facts (every writer of the log keeps to that), shown as they are; a long
 * string is cut and a deep or long structure shortened, so that one odd entry cannot flood a page. Nothing is
 * decrypted: the log holds no sealed text.
 */
export function shownDetails(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value;
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  if (depth >= 3) return '…';
  if (Array.isArray(value)) return value.slice(0, MAX_ITEMS).map((v) => shownDetails(v, depth + 1));
  if (typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .slice(0, MAX_ITEMS)
        .map(([k, v]) => [k, shownDetails(v, depth + 1)]),
    );
  return null;
}

function entryOf(r: AuditRow): AuditLogEntry {
  return {
    id: Number(r.id),
    at: r.at.toISOString(),
    actor: r.actorId
      ? { id: r.actorId, username: r.actorUsername, displayName: r.actorDisplayName, role: r.actorRole }
      : null,
    action: r.action,
    target: r.targetType
      ? { type: r.targetType, id: r.targetId, label: r.targetUsername }
      : r.targetId
        ? { type: 'unknown', id: r.targetId, label: null }
        : null,
    details: (shownDetails(r.details ?? {}) as Record<string, unknown>) ?? {},
  };
}

export function createAuditService(pool: pg.Pool) {
  const repo = createAuditRepository(pool);

  /** The log's actions and the ones the server knows, sorted (a prefix filter covers both). */
  async function actions(): Promise<string[]> {
    return [...new Set([...AUDIT_ACTIONS, ...(await repo.distinctActions())])].sort();
  }

  return {
    /**
     * A page of entries, newest first. The read is audited (the filters and the page's position, not the
     * entries), after the query: a read that failed did not happen.
     */
    async list(q: AuditLogQuery, reader: SessionUser): Promise<AuditLogPage> {
      const known = await actions();
      const actorId = q.actor === undefined ? undefined : await repo.resolveActor(q.actor);
      const prefix = q.action?.endsWith('.') ? q.action : null;
      const chosen =
        q.action === undefined ? undefined : prefix ? known.filter((a) => a.startsWith(prefix)) : [q.action];
      const empty = actorId === null || (chosen !== undefined && chosen.length === 0);
      const rows = empty
        ? []
        : await repo.page(
            {
              ...(actorId ? { actorId } : {}),
              ...(chosen ? { actions: chosen } : {}),
              ...(q.targetType !== undefined ? { targetType: q.targetType } : {}),
              ...(q.targetId !== undefined ? { targetId: q.targetId } : {}),
              ...(q.from !== undefined ? { from: q.from } : {}),
              ...(q.to !== undefined ? { to: q.to } : {}),
              ...(q.cursor !== undefined ? { beforeId: q.cursor } : {}),
            },
            q.limit + 1,
          );
      const more = rows.length > q.limit;
      const page = rows.slice(0, q.limit).map(entryOf);
      await writeAudit(pool, {
        action: 'audit.read',
        actorId: reader.id,
        actorRole: reader.role,
        // The filters as ids and codes: a username is recorded as the id it names (or that it named none).
        details: {
          ...(q.actor !== undefined ? { actorId: actorId ?? 'no such user' } : {}),
          ...(q.action !== undefined ? { action: q.action } : {}),
          ...(q.targetType !== undefined ? { targetType: q.targetType } : {}),
          ...(q.targetId !== undefined ? { targetId: q.targetId } : {}),
          ...(q.from !== undefined ? { from: q.from } : {}),
          ...(q.to !== undefined ? { to: q.to } : {}),
          ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
          entries: page.length,
        },
      });
      return { entries: page, nextCursor: more ? (page[page.length - 1]?.id ?? null) : null, actions: known };
    },
  };
}
