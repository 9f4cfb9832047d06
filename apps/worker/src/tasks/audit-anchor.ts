import { writeAuditAnchor } from '@korgon/db';
import type pg from 'pg';

export interface AuditAnchorSettings {
  /** AUDIT_ANCHOR_DIR, resolved (auditAnchorDirOf). */
  dir: string;
  /** AUDIT_ANCHOR_KEY. */
  key: string;
}

/**
 * `audit.anchor`: appends a signed checkpoint of the audit chain's head to AUDIT_ANCHOR_DIR (packages/db
 * audit-anchor.ts), which `pnpm audit:verify` checks the chain against.
 */
export function auditAnchor(pool: pg.Pool, settings: AuditAnchorSettings, log: (msg: string) => void) {
  return async (): Promise<void> => {
    const a = await writeAuditAnchor(pool, settings);
    if (a) log(`audit chain anchored at entry ${a.id}`);
  };
}
