import {
  bishkekDayStart,
  can,
  HIGH_RISK_LEVELS,
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

const DAY_MS = 24 * 60 * 60_000;

/** The latest assessed level of a consultation (LATERAL so the filter and the list read it once). */
const LATEST_RISK = `LEFT JOIN LATERAL (
    SELECT a.final_level AS level FROM risk_assessments a WHERE a.consultation_id = k.id
     ORDER BY a.created_at DESC, a.id DESC LIMIT 1) rl ON true`;

/**
 * "My work" (docs/domain.md §4): an operator's own consultations (drafts from every device, and the ones she
 * finalized lately), searchable by day, kind, risk level and reference; her referrals; her shift in numbers; and
 * the lookup from a reference number to the record it names. Own records only: nothing here reads another
 * person's record, so nothing here is audited (opening one by its id is, as always).
 */
export function createMyWorkService(pool: pg.Pool, key: SealKey) {
  return {
    async consultations(actor: SessionUser, q: MyConsultationsQuery): Promise<MyConsultationsPage> {
      const where = ['k.operator_id = $1'];
      const values: unknown[] = [actor.id];
      const param = (v: unknown) => {
        values.push(v);
        return `$${values.length}`;
      };
      if (q.status) where.push(`k.status = ${param(q.status)}::consultation_status`);
      if (q.day) {
        const start = new Date(`${q.day}T00:00:00+06:00`);
        where.push(
          `k.created_at >= ${param(start)} AND k.created_at < ${param(new Date(start.getTime() + DAY_MS))}`,
        );
      }
      if (q.recentDays) {
        where.push(
          `coalesce(k.finalized_at, k.updated_at) >= ${param(bishkekDayStart(new Date(), q.recentDays - 1))}`,
        );
      }
      if (q.contactKind) where.push(`k.data->>'contactKind' = ${param(q.contactKind)}`);
      if (q.riskLevel)
        where.push(q.riskLevel === 'none' ? 'rl.level IS NULL' : `rl.level = ${param(q.riskLevel)}`);
      if (q.reference) {
        const ref = parseReference(q.reference);
        // A referral's reference finds the consultation it was made from.
        where.push(
          ref?.kind === 'referral'
            ? `k.id = (SELECT r.consultation_id FROM referrals r WHERE r.reference = ${param(ref.reference)})`
            : `k.reference = ${param(ref?.reference ?? '')}`,
        );
      }
      const from = `FROM consultations k ${LATEST_RISK} WHERE ${where.join(' AND ')}`;
      const filterValues = [...values];
      const limit = param(q.pageSize);
      const offset = param((q.page - 1) * q.pageSize);
      const [list, count] = await Promise.all([
        pool.query<{
          id: string;
          reference: string;
          status: 'draft' | 'final';
          channel: string;
          call_id: string | null;
          revision: number;
          contact_kind: string | null;
          risk_level: string | null;
          referrals: number;
          created_at: Date;
          updated_at: Date;
          finalized_at: Date | null;
        }>(
          `SELECT k.id, k.reference, k.status, k.channel, k.call_id, k.revision, k.data->>'contactKind' AS contact_kind,
                  rl.level AS risk_level,
                  (SELECT count(*)::int FROM referrals r WHERE r.consultation_id = k.id) AS referrals,
                  k.created_at, k.updated_at, k.finalized_at
             ${from}
            ORDER BY coalesce(k.finalized_at, k.updated_at) DESC, k.id
            LIMIT ${limit} OFFSET ${offset}`,
          values,
        ),
        pool.query<{ n: number }>(`SELECT count(*)::int AS n ${from}`, filterValues),
      ]);
      return {
        items: list.rows.map((r) => ({
          id: r.id,
          reference: r.reference,
          status: r.status,
          channel: r.channel,
          callId: r.call_id,
          revision: r.revision,
          contactKind: r.contact_kind,
          riskLevel: r.risk_level,
          referrals: r.referrals,
          createdAt: r.created_at.toISOString(),
          updatedAt: r.updated_at.toISOString(),
          finalizedAt: r.finalized_at?.toISOString() ?? null,
        })),
        total: count.rows[0]?.n ?? 0,
        page: q.page,
        pageSize: q.pageSize,
      };
    },

    /** The referrals I made: every open one, and the closed ones changed in the last `recentDays` days. */
    async referrals(actor: SessionUser, recentDays: number): Promise<Referral[]> {
      const { rows } = await pool.query<{ id: string }>(
        `SELECT id FROM referrals
          WHERE created_by = $1 AND (status NOT IN ('done', 'revoked', 'rejected') OR updated_at >= $2)
          ORDER BY created_at DESC LIMIT 200`,
        [actor.id, bishkekDayStart(new Date(), recentDays - 1)],
      );
      return staffViews(
        pool,
        key,
        rows.map((r) => r.id),
      );
    },

    /** Today since 00:00 Asia/Bishkek. */
    async shift(actor: SessionUser): Promise<ShiftSummary> {
      const since = bishkekDayStart(new Date());
      const { rows } = await pool.query<Omit<ShiftSummary, 'since'>>(
        `SELECT
           (SELECT count(*)::int FROM calls c
             WHERE c.operator_id = $1 AND coalesce(c.taken_at, c.answered_at, c.offered_at) >= $2) AS calls,
           (SELECT count(*)::int FROM consultations k WHERE k.operator_id = $1 AND k.created_at >= $2) AS consultations,
           (SELECT count(*)::int FROM consultations k WHERE k.operator_id = $1 AND k.finalized_at >= $2) AS finalized,
           (SELECT count(*)::int FROM referrals r WHERE r.created_by = $1 AND r.created_at >= $2) AS referrals,
           (SELECT count(*)::int FROM consultations k ${LATEST_RISK}
             WHERE k.operator_id = $1 AND k.updated_at >= $2 AND rl.level = ANY($3::text[])
               AND (k.created_at >= $2 OR k.finalized_at >= $2)) AS "highRisk"`,
        [actor.id, since, HIGH_RISK_LEVELS],
      );
      const r = rows[0];
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
        const { rows } = await pool.query<{ id: string; operator_id: string }>(
          'SELECT id, operator_id FROM consultations WHERE reference = $1',
          [ref.reference],
        );
        const k = rows[0];
        if (!k) throw new NotFoundError(`Consultation ${ref.reference}`);
        if (k.operator_id !== actor.id && !can(actor.role, 'consultation:read-any'))
          throw new ForbiddenError(`Only its author and supervisors can open ${ref.reference}.`);
        return { kind: 'consultation', reference: ref.reference, id: k.id, consultationId: k.id };
      }
      const { rows } = await pool.query<{ id: string; consultation_id: string; created_by: string }>(
        'SELECT id, consultation_id, created_by FROM referrals WHERE reference = $1',
        [ref.reference],
      );
      const r = rows[0];
      if (!r) throw new NotFoundError(`Referral ${ref.reference}`);
      if (r.created_by !== actor.id && !can(actor.role, 'referral:manage'))
        throw new ForbiddenError(`Only its author and supervisors can open ${ref.reference}.`);
      return { kind: 'referral', reference: ref.reference, id: r.id, consultationId: r.consultation_id };
    },
  };
}
export type MyWorkService = ReturnType<typeof createMyWorkService>;
