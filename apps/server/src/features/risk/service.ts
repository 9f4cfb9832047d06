import { inTransaction, type Queryable, writeAudit } from '@korgon/db';
import {
  type Assessment,
  assess,
  levelRank,
  Methodology,
  type RiskBody,
  type RiskRecord,
  rooms,
} from '@korgon/domain';
import type { SealKey } from '@korgon/signing';
import type pg from 'pg';
import { AppError, ConflictError, ForbiddenError, NotFoundError } from '../../errors';
import type { KorgonIo } from '../../plugins/socket';
import type { SessionUser } from '../auth/repository';
import { createConsultationsRepository, type StoredOverride } from '../consultations/repository';
import { namesOf, overrideText, sealOverrideText, toRiskRecord } from '../consultations/service';
import { createRiskRepository } from './repository';

/** What the risk service tells the rest of the server after its commits. */
export interface RiskHooks {
  /**
   * A consultation's final level became critical (saved, or signed off): its operator is offered a short break
   * (operator wellbeing, docs/board.md). Runs after the commit; it must not throw.
   */
  becameCritical?(operatorId: string): Promise<void>;
  /** An assessment was saved or signed off (after the commit): the board's figures count high-risk consultations. */
  changed?(): void;
}

/**
 * Risk assessment by a versioned methodology (docs/domain.md §5): previews that store nothing, assessments stored
 * with the consultation (every answer, computed and final level, override with who and when), overrides that
 * raise freely with a reason and lower only with a supervisor's sign-off and never below a floor.
 */
export function createRiskService(pool: pg.Pool, io: KorgonIo, key: SealKey, hooks: RiskHooks = {}) {
  const cache = new Map<string, Methodology>();

  async function methodology(q: Queryable, id: string, version: string): Promise<Methodology> {
    const k = `${id}@${version}`;
    const hit = cache.get(k);
    if (hit) return hit;
    const document = await createRiskRepository(q).methodologyDocument(id, version);
    if (document === undefined) throw new NotFoundError(`Methodology ${id} ${version}`);
    const m = Methodology.parse(document);
    cache.set(k, m);
    return m;
  }

  function checkAnswers(m: Methodology, answers: Record<string, string>) {
    const known = new Set(m.items.map((i) => i.id));
    const unknown = Object.keys(answers).filter((k) => !known.has(k));
    if (unknown.length > 0) {
      throw new AppError(
        400,
        'invalid_request',
        `These items are not in ${m.id} ${m.version}: ${unknown.join(', ')}.`,
        {
          issues: unknown.map((k) => ({
            path: `body.answers.${k}`,
            message: 'not an item of this methodology',
          })),
        },
      );
    }
  }

  /** The sign-off request pushed to the supervisors (the board's override_pending alert shows its form). */
  const request = (k: { id: string; reference: string }, level: string, operator: SessionUser) => ({
    consultationId: k.id,
    consultationReference: k.reference,
    level,
    operator: { id: operator.id, displayName: operator.displayName },
    at: new Date().toISOString(),
  });

  return {
    methodology,

    async active(): Promise<Methodology> {
      const active = await createRiskRepository(pool).activeMethodology();
      if (!active) throw new NotFoundError('An active methodology');
      return methodology(pool, active.methodologyId, active.version);
    },

    async preview(id: string, version: string, answers: RiskBody['answers']): Promise<Assessment> {
      const m = await methodology(pool, id, version);
      checkAnswers(m, answers);
      return assess(m, answers);
    },

    async save(
      consultationId: string,
      body: RiskBody,
      actor: SessionUser,
    ): Promise<{ record: RiskRecord; result: Assessment }> {
      const out = await inTransaction(pool, async (c) => {
        const k = await createConsultationsRepository(c).find(consultationId, { forUpdate: true });
        if (!k) throw new NotFoundError('That consultation');
        if (k.operator_id !== actor.id)
          throw new ForbiddenError('Only the author assesses risk in a consultation.');
        if (k.status === 'final')
          throw new ConflictError(
            'This consultation is final: reassess in a new consultation (for example the follow-up).',
          );
        const m = await methodology(c, body.methodologyId, body.version);
        checkAnswers(m, body.answers);
        const result = assess(m, body.answers);
        const previous = await createConsultationsRepository(c).latestRisk(consultationId);
        let finalLevel = result.level;
        let override: StoredOverride | null = null;
        const assessmentId = crypto.randomUUID();
        if (body.override && body.override.level !== result.level) {
          const rank = levelRank(m, body.override.level);
          if (rank < 0)
            throw new AppError(
              400,
              'invalid_request',
              `"${body.override.level}" is not a level of ${m.id} ${m.version}.`,
            );
          if (rank < levelRank(m, result.minimumLevel)) {
            throw new AppError(
              400,
              'invalid_request',
              `The level cannot go below ${result.minimumLevel}: a floor or an immediate danger holds.`,
              {
                issues: [{ path: 'body.override.level', message: `at least ${result.minimumLevel}` }],
              },
            );
          }
          const raise = rank > levelRank(m, result.level);
          // The reason is free text: sealed for the assessment, whose id is made here for that.
          override = {
            level: body.override.level,
            ...sealOverrideText(key, assessmentId, { reason: body.override.reason, signOffNote: null }),
            direction: raise ? 'raise' : 'lower',
            status: raise ? 'applied' : 'pending_sign_off',
            byId: actor.id,
            at: new Date().toISOString(),
            signedById: null,
            signedAt: null,
          };
          if (raise) finalLevel = body.override.level;
        }
        const row = await createRiskRepository(c).insertAssessment({
          id: assessmentId,
          consultationId,
          methodologyId: m.id,
          methodologyVersion: m.version,
          answers: body.answers,
          score: result.score,
          computedLevel: result.level,
          minimumLevel: result.minimumLevel,
          finalLevel,
          override,
          result,
          createdBy: actor.id,
        });
        if (!row) throw new Error(`the assessment ${assessmentId} just stored was not returned`);
        if (override) {
          await writeAudit(c, {
            action: 'risk.override',
            actorId: actor.id,
            actorRole: actor.role,
            targetType: 'consultation',
            targetId: consultationId,
            details: {
              assessmentId: row.id,
              from: result.level,
              to: override.level,
              direction: override.direction,
            },
          });
        }
        return {
          row,
          k,
          result,
          names: await namesOf(c, [actor.id]),
          previousLevel: previous?.final_level ?? null,
          m,
        };
      });
      const record = toRiskRecord(out.row, out.names, key);
      // The level rose with this save (not a re-save at the same level). The supervisors' critical_risk and
      // override_pending alerts are raised from the stored assessments by the alerts sync that `changed` kicks.
      const rose =
        out.previousLevel === null ||
        levelRank(out.m, record.finalLevel) > levelRank(out.m, out.previousLevel);
      hooks.changed?.();
      if (record.finalLevel === 'critical' && rose) await hooks.becameCritical?.(out.k.operator_id);
      if (record.override?.status === 'pending_sign_off') {
        io.to(rooms.role('supervisor')).emit('risk:sign-off-requested', {
          ...request(out.k, record.computedLevel, actor),
          assessmentId: record.id,
          requestedLevel: record.override.level,
          reason: record.override.reason,
        });
      }
      return { record, result: out.result };
    },

    /** Lowered levels waiting for a supervisor (so a board opened later still sees them). */
    async pendingSignOffs() {
      const rows = await createRiskRepository(pool).pendingSignOffs();
      return rows.map((r) => ({
        assessmentId: r.id,
        consultationId: r.consultationId,
        consultationReference: r.consultationReference,
        operator: { id: r.createdBy, displayName: r.operatorName },
        computedLevel: r.computedLevel,
        requestedLevel: r.override?.level ?? r.computedLevel,
        reason: r.override ? overrideText(key, r.id, r.override).reason : '',
        at: r.createdAt.toISOString(),
      }));
    },

    async signOff(
      assessmentId: string,
      approve: boolean,
      note: string | undefined,
      supervisor: SessionUser,
    ): Promise<RiskRecord> {
      const out = await inTransaction(pool, async (c) => {
        const repo = createRiskRepository(c);
        const row = await repo.lockAssessment(assessmentId);
        if (!row) throw new NotFoundError('That assessment');
        if (row.override?.status !== 'pending_sign_off')
          throw new ConflictError('This assessment has no override waiting for a sign-off.');
        if (row.override.byId === supervisor.id)
          throw new ForbiddenError('Another supervisor must sign off your own override.');
        // The reason and the note sealed together (an override stored in clear before sealing is sealed now).
        const { reason: _reason, signOffNote: _note, ...kept } = row.override;
        const override: StoredOverride = {
          ...kept,
          ...sealOverrideText(key, row.id, {
            reason: overrideText(key, row.id, row.override).reason,
            signOffNote: note ?? null,
          }),
          status: approve ? 'signed' : 'refused',
          signedById: supervisor.id,
          signedAt: new Date().toISOString(),
        };
        const finalLevel = approve ? override.level : row.final_level;
        const updated = await repo.setOverride(assessmentId, override, finalLevel);
        if (!updated) throw new NotFoundError('That assessment');
        await writeAudit(c, {
          action: 'risk.sign_off',
          actorId: supervisor.id,
          actorRole: supervisor.role,
          targetType: 'consultation',
          targetId: row.consultation_id,
          details: { assessmentId, approved: approve, level: override.level },
        });
        return {
          row: updated,
          previousLevel: row.final_level,
          reference: (await repo.consultationReference(row.consultation_id)) ?? '',
          names: await namesOf(c, [override.byId, supervisor.id]),
        };
      });
      const record = toRiskRecord(out.row, out.names, key);
      const event = {
        consultationId: out.row.consultation_id,
        consultationReference: out.reference,
        assessmentId,
        approved: approve,
        finalLevel: record.finalLevel,
        by: supervisor.displayName,
      };
      io.to([rooms.user(out.row.created_by), rooms.role('supervisor')]).emit('risk:signed', event);
      hooks.changed?.();
      // Only a lowering awaits a sign-off, so this does not happen today; kept so any future path is covered.
      if (record.finalLevel === 'critical' && out.previousLevel !== 'critical')
        await hooks.becameCritical?.(out.row.created_by);
      return record;
    },
  };
}
export type RiskService = ReturnType<typeof createRiskService>;

declare module 'fastify' {
  interface FastifyInstance {
    /** One risk service (and one methodology cache) for the consultation and risk routes. */
    risk: RiskService;
  }
}
