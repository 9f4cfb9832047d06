import { AuditLogPage, AuditStatus } from '@korgon/domain';
import { api } from '../../lib/api';

/** The filters as the form holds them: days are Asia/Bishkek calendar days (YYYY-MM-DD), both inclusive. */
export interface AuditFilters {
  actor: string;
  action: string;
  targetType: string;
  targetId: string;
  fromDay: string;
  toDay: string;
}

export const NO_FILTERS: AuditFilters = {
  actor: '',
  action: '',
  targetType: '',
  targetId: '',
  fromDay: '',
  toDay: '',
};

/** Asia/Bishkek is UTC+6 all year (no daylight saving since 2005). */
const BISHKEK = '+06:00';

function nextDay(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

interface AuditQuery {
  actor?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  from?: string;
  to?: string;
  cursor?: number;
  limit: number;
}

/** The query of a page: from the start of `fromDay` to the end of `toDay`, in Bishkek; empty filters left out. */
export function auditParamsOf(f: AuditFilters, cursor: number | null, limit = 50): AuditQuery {
  const q: AuditQuery = { limit };
  if (f.actor.trim()) q.actor = f.actor.trim();
  if (f.action) q.action = f.action;
  if (f.targetType.trim()) q.targetType = f.targetType.trim();
  if (f.targetId.trim()) q.targetId = f.targetId.trim();
  if (f.fromDay) q.from = `${f.fromDay}T00:00:00${BISHKEK}`;
  if (f.toDay) q.to = `${nextDay(f.toDay)}T00:00:00${BISHKEK}`;
  if (cursor !== null) q.cursor = cursor;
  return q;
}

/** The same query as a string, in the order the form lists the filters. */
export function auditQueryOf(f: AuditFilters, cursor: number | null, limit = 50): string {
  const { limit: l, ...rest } = auditParamsOf(f, cursor, limit);
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(rest)) q.set(k, String(v));
  q.set('limit', String(l));
  return q.toString();
}

export const auditLogApi = {
  page: (f: AuditFilters, cursor: number | null) =>
    api.get('/api/admin/audit-log', { params: { query: auditParamsOf(f, cursor) }, parse: AuditLogPage }),
  status: (full = false) =>
    api.get('/api/admin/audit-log/status', {
      params: { query: full ? { full: 'true' } : {} },
      parse: AuditStatus,
    }),
};
