import { inTransaction, readRetentionSettings, writeAudit } from '@korgon/db';
import {
  type LegalHold,
  parseReference,
  RETENTION_SETTINGS,
  type RetentionCounts,
  type RetentionRun,
  type RetentionSettings,
  type RetentionSettingsBody,
  retentionRunJob,
} from '@korgon/domain';
import type { SafeJobs } from '@korgon/jobs';
import type pg from 'pg';
import { AppError, NotFoundError } from '../../errors';
import { queueRun, recentRuns } from '../../maintenance-runs';
import type { SessionUser } from '../auth/repository';

type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function settingsView(q: Queryable): Promise<RetentionSettings> {
  const s = await readRetentionSettings(q);
  let updatedBy: RetentionSettings['updatedBy'] = null;
  if (s.updatedBy) {
    const { rows } = await q.query<{ display_name: string }>('SELECT display_name FROM users WHERE id = $1', [
      s.updatedBy,
    ]);
    updatedBy = { id: s.updatedBy, displayName: rows[0]?.display_name ?? '' };
  }
  return {
    consultationTextDays: s.consultationTextDays,
    referralContentDays: s.referralContentDays,
    updatedAt: s.updatedAt?.toISOString() ?? null,
    updatedBy,
  };
}

/**
 * Retention's admin side (docs/security.md "Retention"): the settings (audited with old and new values), the
 * runs and "Run now" (a queued row, then its job: ids only), and legal holds on consultations, placed and lifted
 * by reference or id with a reason. The reason (often a court case number) is kept in the audit log only.
 */
export function createRetentionService(pool: pg.Pool, jobs: SafeJobs) {
  /** The consultation a reference (K-2026-000123, loosely typed) or an id names, locked. */
  async function consultationOf(c: Queryable, named: string) {
    const ref = parseReference(named);
    let where: string;
    let value: string;
    if (ref?.kind === 'consultation') {
      where = 'reference = $1';
      value = ref.reference;
    } else if (UUID.test(named)) {
      where = 'id = $1';
      value = named.toLowerCase();
    } else {
      throw new AppError(
        400,
        'invalid_request',
        'consultation: name the consultation by its reference (K-2026-000123) or its id.',
        { issues: [{ path: 'consultation', message: 'A reference like K-2026-000123, or an id.' }] },
      );
    }
    const { rows } = await c.query<{
      id: string;
      reference: string;
      legal_hold: boolean;
      finalized_at: Date | null;
      notes_shredded_at: Date | null;
    }>(
      `SELECT id, reference, legal_hold, finalized_at, notes_shredded_at FROM consultations WHERE ${where} FOR UPDATE`,
      [value],
    );
    const row = rows[0];
    if (!row) throw new NotFoundError(`The consultation ${named}`);
    return row;
  }

  async function holds(q: Queryable, ids?: string[]): Promise<LegalHold[]> {
    const { rows } = await q.query<{
      id: string;
      reference: string;
      legal_hold_at: Date | null;
      legal_hold_by: string | null;
      by_name: string | null;
      finalized_at: Date | null;
      notes_shredded_at: Date | null;
      reason: string | null;
    }>(
      `SELECT k.id, k.reference, k.legal_hold_at, k.legal_hold_by, u.display_name AS by_name, k.finalized_at,
              k.notes_shredded_at,
              (SELECT a.details->>'reason' FROM audit_log a
                WHERE a.target_type = 'consultation' AND a.target_id = k.id::text
                  AND a.action = 'consultation.legal_hold_placed'
                ORDER BY a.id DESC LIMIT 1) AS reason
         FROM consultations k LEFT JOIN users u ON u.id = k.legal_hold_by
        WHERE k.legal_hold ${ids ? 'AND k.id = ANY($1::uuid[])' : ''}
        ORDER BY k.legal_hold_at DESC NULLS LAST, k.reference LIMIT 500`,
      ids ? [ids] : [],
    );
    return rows.map((r) => ({
      consultationId: r.id,
      reference: r.reference,
      placedAt: r.legal_hold_at?.toISOString() ?? null,
      placedBy: r.legal_hold_by ? { id: r.legal_hold_by, displayName: r.by_name ?? '' } : null,
      reason: r.reason,
      finalizedAt: r.finalized_at?.toISOString() ?? null,
      notesShreddedAt: r.notes_shredded_at?.toISOString() ?? null,
    }));
  }

  const audit = (q: Queryable, actor: SessionUser, e: Omit<Parameters<typeof writeAudit>[1], 'actorId'>) =>
    writeAudit(q, { ...e, actorId: actor.id, actorRole: actor.role });

  return {
    settings: () => settingsView(pool),

    async updateSettings(body: RetentionSettingsBody, actor: SessionUser): Promise<RetentionSettings> {
      return inTransaction(pool, async (c) => {
        // One change at a time: the old values read are the ones replaced.
        await c.query('SELECT pg_advisory_xact_lock(5213, 2)');
        const before = await readRetentionSettings(c);
        const changed: Record<string, { old: number; new: number }> = {};
        for (const name of Object.keys(RETENTION_SETTINGS) as (keyof typeof RETENTION_SETTINGS)[]) {
          if (before[name] === body[name]) continue;
          changed[name] = { old: before[name], new: body[name] };
          await c.query(
            `INSERT INTO system_settings (key, value, updated_at, updated_by) VALUES ($1, $2::jsonb, now(), $3)
             ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now(), updated_by = EXCLUDED.updated_by`,
            [RETENTION_SETTINGS[name].key, JSON.stringify(body[name]), actor.id],
          );
        }
        if (Object.keys(changed).length > 0)
          await audit(c, actor, {
            action: 'retention.settings_changed',
            targetType: 'system_settings',
            targetId: 'retention',
            details: { changed },
          });
        return settingsView(c);
      });
    },

    async runs(): Promise<RetentionRun[]> {
      return recentRuns<RetentionCounts>(pool, 'retention', 30);
    },

    /** "Run now": a queued run, then its job (after the commit; the reconciler adds it should Redis miss it). */
    async runNow(actor: SessionUser): Promise<RetentionRun> {
      const run = await inTransaction(pool, (c) =>
        queueRun<RetentionCounts>(
          c,
          'retention',
          actor,
          { action: 'retention.run_requested' },
          (id) => `A retention run (number ${id}) is queued or running already: wait for it to finish.`,
        ),
      );
      await jobs.enqueue([retentionRunJob(run.id)]);
      return run;
    },

    holds: () => holds(pool),

    async placeHold(named: string, reason: string, actor: SessionUser): Promise<LegalHold> {
      return inTransaction(pool, async (c) => {
        const k = await consultationOf(c, named);
        if (!k.legal_hold)
          await c.query(
            'UPDATE consultations SET legal_hold = true, legal_hold_at = now(), legal_hold_by = $2 WHERE id = $1',
            [k.id, actor.id],
          );
        await audit(c, actor, {
          action: 'consultation.legal_hold_placed',
          targetType: 'consultation',
          targetId: k.id,
          details: { reference: k.reference, reason, alreadyHeld: k.legal_hold },
        });
        const [hold] = await holds(c, [k.id]);
        if (!hold) throw new Error('placed hold not found');
        return hold;
      });
    },

    async liftHold(named: string, reason: string, actor: SessionUser): Promise<void> {
      await inTransaction(pool, async (c) => {
        const k = await consultationOf(c, named);
        if (!k.legal_hold) throw new NotFoundError(`A legal hold on ${k.reference}`);
        await c.query(
          'UPDATE consultations SET legal_hold = false, legal_hold_at = NULL, legal_hold_by = NULL WHERE id = $1',
          [k.id],
        );
        await audit(c, actor, {
          action: 'consultation.legal_hold_lifted',
          targetType: 'consultation',
          targetId: k.id,
          details: { reference: k.reference, reason },
        });
      });
    },
  };
}
