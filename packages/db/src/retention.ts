import { RETENTION_SETTINGS, type RetentionSettingName } from '@korgon/domain';
import type { Queryable } from './queryable';

export interface RetentionSettingValues {
  consultationTextDays: number;
  referralContentDays: number;
  /** The last change of either, and by whom (null: the defaults, never changed). */
  updatedAt: Date | null;
  updatedBy: string | null;
}

const NAMES = Object.keys(RETENTION_SETTINGS) as RetentionSettingName[];

/**
 * The retention settings (docs/security.md "Retention") from `system_settings`, each its default when missing
 * or out of its range (a row changed by hand is never trusted to shorten a period below its minimum).
 */
export async function readRetentionSettings(q: Queryable): Promise<RetentionSettingValues> {
  const { rows } = await q.query<{
    key: string;
    value: unknown;
    updated_at: Date;
    updated_by: string | null;
  }>('SELECT key, value, updated_at, updated_by FROM system_settings WHERE key = ANY($1::text[])', [
    NAMES.map((n) => RETENTION_SETTINGS[n].key),
  ]);
  const out: RetentionSettingValues = {
    consultationTextDays: RETENTION_SETTINGS.consultationTextDays.default,
    referralContentDays: RETENTION_SETTINGS.referralContentDays.default,
    updatedAt: null,
    updatedBy: null,
  };
  for (const name of NAMES) {
    const s = RETENTION_SETTINGS[name];
    const row = rows.find((r) => r.key === s.key);
    if (!row) continue;
    const v = row.value;
    if (typeof v === 'number' && Number.isInteger(v) && v >= s.min && v <= s.max) out[name] = v;
    if (!out.updatedAt || row.updated_at > out.updatedAt) {
      out.updatedAt = row.updated_at;
      out.updatedBy = row.updated_by;
    }
  }
  return out;
}

/** Session-level advisory lock keys of the retention run: one run at a time across every worker. */
export const RETENTION_LOCK = [5213, 1] as const;
