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

/** The query string for a page: from the start of `fromDay` to the end of `toDay`, in Bishkek. */
export function auditQueryOf(f: AuditFilters, cursor: number | null, limit = 50): string {
  const q = new URLSearchParams();
  if (f.actor.trim()) q.set('actor', f.actor.trim());
  if (f.action) q.set('action', f.action);
  if (f.targetType.trim()) q.set('targetType', f.targetType.trim());
  if (f.targetId.trim()) q.set('targetId', f.targetId.trim());
  if (f.fromDay) q.set('from', `${f.fromDay}T00:00:00${BISHKEK}`);
  if (f.toDay) q.set('to', `${nextDay(f.toDay)}T00:00:00${BISHKEK}`);
  if (cursor !== null) q.set('cursor', String(cursor));
  q.set('limit', String(limit));
  return q.toString();
}

export const auditLogApi = {
  page: (f: AuditFilters, cursor: number | null) =>
    api.get(`/api/admin/audit-log?${auditQueryOf(f, cursor)}`, AuditLogPage),
  status: (full = false) => api.get(`/api/admin/audit-log/status${full ? '?full=true' : ''}`, AuditStatus),
};
