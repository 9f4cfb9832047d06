import { inTransaction, type Queryable, readRetentionSettings, writeAudit } from '@korgon/db';
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
import { createRetentionRepository } from './repository';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function settingsView(q: Queryable): Promise<RetentionSettings> {
  const s = await readRetentionSettings(q);
  let updatedBy: RetentionSettings['updatedBy'] = null;
  if (s.updatedBy) {
    const displayName = await createRetentionRepository(q).displayName(s.updatedBy);
    updatedBy = { id: s.updatedBy, displayName: displayName ?? '' };
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
    let by: { reference: string } | { id: string };
    if (ref?.kind === 'consultation') by = { reference: ref.reference };
    else if (UUID.test(named)) by = { id: named.toLowerCase() };
    else {
      throw new AppError(
        400,
        'invalid_request',
        'consultation: name the consultation by its reference (K-2026-000123) or its id.',
        { issues: [{ path: 'consultation', message: 'A reference like K-2026-000123, or an id.' }] },
      );
    }
    const row = await createRetentionRepository(c).lockConsultation(by);
    if (!row) throw new NotFoundError(`The consultation ${named}`);
    return row;
  }

  async function holds(q: Queryable, ids?: string[]): Promise<LegalHold[]> {
    const rows = await createRetentionRepository(q).holds(ids);
    return rows.map((r) => ({
      consultationId: r.id,
      reference: r.reference,
      placedAt: r.legalHoldAt?.toISOString() ?? null,
      placedBy: r.legalHoldBy ? { id: r.legalHoldBy, displayName: r.byName ?? '' } : null,
      reason: r.reason,
      finalizedAt: r.finalizedAt?.toISOString() ?? null,
      notesShreddedAt: r.notesShreddedAt?.toISOString() ?? null,
    }));
  }

  const audit = (q: Queryable, actor: SessionUser, e: Omit<Parameters<typeof writeAudit>[1], 'actorId'>) =>
    writeAudit(q, { ...e, actorId: actor.id, actorRole: actor.role });

  return {
    settings: () => settingsView(pool),

    async updateSettings(body: RetentionSettingsBody, actor: SessionUser): Promise<RetentionSettings> {
      return inTransaction(pool, async (c) => {
        // One change at a time: the old values read are the ones replaced.
        const repo = createRetentionRepository(c);
        await repo.lockSettings();
        const before = await readRetentionSettings(c);
        const changed: Record<string, { old: number; new: number }> = {};
        for (const name of Object.keys(RETENTION_SETTINGS) as (keyof typeof RETENTION_SETTINGS)[]) {
          if (before[name] === body[name]) continue;
          changed[name] = { old: before[name], new: body[name] };
          await repo.writeSetting(RETENTION_SETTINGS[name].key, body[name], actor.id);
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
        if (!k.legalHold) await createRetentionRepository(c).placeHold(k.id, actor.id);
        await audit(c, actor, {
          action: 'consultation.legal_hold_placed',
          targetType: 'consultation',
          targetId: k.id,
          details: { reference: k.reference, reason, alreadyHeld: k.legalHold },
        });
        const [hold] = await holds(c, [k.id]);
        if (!hold) throw new Error('placed hold not found');
        return hold;
      });
    },

    async liftHold(named: string, reason: string, actor: SessionUser): Promise<void> {
      await inTransaction(pool, async (c) => {
        const k = await consultationOf(c, named);
        if (!k.legalHold) throw new NotFoundError(`A legal hold on ${k.reference}`);
        await createRetentionRepository(c).liftHold(k.id);
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
