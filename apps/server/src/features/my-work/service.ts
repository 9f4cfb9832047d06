import {
  bishkekDayStart,
  can,
  type MyConsultationsPage,
  type MyConsultationsQuery,
  parseReference,
  type ReferenceLookup,
  type Referral,
  type ShiftSummary,
} from '@korgon/domain';
import { staffViews } from '@korgon/referrals';
import type { SealKey } from '@korgon/signing';
import type pg from 'pg';
import { ForbiddenError, NotFoundError } from '../../errors';
import type { SessionUser } from '../auth/repository';
import { createMyWorkRepository } from './repository';

/**
 * "My work" (docs/domain.md §4): an operator's own consultations (drafts from every device, and the ones she
 * finalized lately), searchable by day, kind, risk level and reference; her referrals; her shift in numbers; and
 * the lookup from a reference number to the record it names. Own records only: nothing here reads another
 * person's record, so nothing here is audited (opening one by its id is, as always).
 */
export function createMyWorkService(pool: pg.Pool, key: SealKey) {
  const repo = createMyWorkRepository(pool);
  return {
    async consultations(actor: SessionUser, q: MyConsultationsQuery): Promise<MyConsultationsPage> {
      const { rows, total } = await repo.consultationsPage(
        actor.id,
        q,
        q.recentDays ? bishkekDayStart(new Date(), q.recentDays - 1) : null,
      );
      return {
        items: rows.map((r) => ({
          ...r,
          createdAt: r.createdAt.toISOString(),
          updatedAt: r.updatedAt.toISOString(),
          finalizedAt: r.finalizedAt?.toISOString() ?? null,
        })),
        total,
        page: q.page,
        pageSize: q.pageSize,
      };
    },

    /** The referrals I made: every open one, and the closed ones changed in the last `recentDays` days. */
    async referrals(actor: SessionUser, recentDays: number): Promise<Referral[]> {
      const ids = await repo.referralIds(actor.id, bishkekDayStart(new Date(), recentDays - 1));
      return staffViews(pool, key, ids);
    },

    /** Today since 00:00 Asia/Bishkek. */
    async shift(actor: SessionUser): Promise<ShiftSummary> {
      const since = bishkekDayStart(new Date());
      const r = await repo.shift(actor.id, since);
      return {
        since: since.toISOString(),
        calls: r?.calls ?? 0,
        consultations: r?.consultations ?? 0,
        finalized: r?.finalized ?? 0,
        referrals: r?.referrals ?? 0,
        highRisk: r?.highRisk ?? 0,
      };
    },

    /**
     * Where a reference leads. The same rule as opening the record: its author (or, for a referral, the one who
     * made it), or a supervisor; anyone else is told it is not theirs to open.
     */
    async lookup(input: string, actor: SessionUser): Promise<ReferenceLookup> {
      const ref = parseReference(input);
      if (!ref) throw new NotFoundError('That reference');
      if (ref.kind === 'consultation') {
        const k = await repo.consultationByReference(ref.reference);
        if (!k) throw new NotFoundError(`Consultation ${ref.reference}`);
        if (k.operatorId !== actor.id && !can(actor.role, 'consultation:read-any'))
          throw new ForbiddenError(`Only its author and supervisors can open ${ref.reference}.`);
        return { kind: 'consultation', reference: ref.reference, id: k.id, consultationId: k.id };
      }
      const r = await repo.referralByReference(ref.reference);
      if (!r) throw new NotFoundError(`Referral ${ref.reference}`);
      if (r.createdBy !== actor.id && !can(actor.role, 'referral:manage'))
        throw new ForbiddenError(`Only its author and supervisors can open ${ref.reference}.`);
      return { kind: 'referral', reference: ref.reference, id: r.id, consultationId: r.consultationId };
    },
  };
}
export type MyWorkService = ReturnType<typeof createMyWorkService>;
