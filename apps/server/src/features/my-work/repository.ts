import { dbOn, schema } from '@korgon/db';
import {
  HIGH_RISK_LEVELS,
  type MyConsultationsQuery,
  parseReference,
  type ShiftSummary,
} from '@korgon/domain';
import { and, desc, eq, gte, notInArray, or } from 'drizzle-orm';
import type pg from 'pg';

const { consultations, referrals } = schema;

const DAY_MS = 24 * 60 * 60_000;

/** The latest assessed level of a consultation (LATERAL so the filter and the list read it once). */
const LATEST_RISK = `LEFT JOIN LATERAL (
    SELECT a.final_level AS level FROM risk_assessments a WHERE a.consultation_id = k.id
     ORDER BY a.created_at DESC, a.id DESC LIMIT 1) rl ON true`;

export type MyConsultationRow = Pick<
  typeof consultations.$inferSelect,
  | 'id'
  | 'reference'
  | 'status'
  | 'channel'
  | 'callId'
  | 'revision'
  | 'createdAt'
  | 'updatedAt'
  | 'finalizedAt'
> & { contactKind: string | null; riskLevel: string | null; referrals: number };

/** What "My work" reads: the operator's own records only. */
export function createMyWorkRepository(pool: pg.Pool) {
  const db = dbOn(pool);
  return {
    /**
     * A page of her consultations and how many match. Raw SQL: the filters are built as they come, over a
     * LATERAL join to the latest assessment and a jsonb field.
     */
    async consultationsPage(
      operatorId: string,
      q: MyConsultationsQuery,
      recentSince: Date | null,
    ): Promise<{ rows: MyConsultationRow[]; total: number }> {
      const where = ['k.operator_id = $1'];
      const values: unknown[] = [operatorId];
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
      if (recentSince) where.push(`coalesce(k.finalized_at, k.updated_at) >= ${param(recentSince)}`);
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
        pool.query<MyConsultationRow>(
          `SELECT k.id, k.reference, k.status, k.channel, k.call_id AS "callId", k.revision,
                  k.data->>'contactKind' AS "contactKind", rl.level AS "riskLevel",
                  (SELECT count(*)::int FROM referrals r WHERE r.consultation_id = k.id) AS referrals,
                  k.created_at AS "createdAt", k.updated_at AS "updatedAt", k.finalized_at AS "finalizedAt"
             ${from}
            ORDER BY coalesce(k.finalized_at, k.updated_at) DESC, k.id
            LIMIT ${limit} OFFSET ${offset}`,
          values,
        ),
        pool.query<{ n: number }>(`SELECT count(*)::int AS n ${from}`, filterValues),
      ]);
      return { rows: list.rows, total: count.rows[0]?.n ?? 0 };
    },

    /** The referrals she made: every open one, and the closed ones changed since `since`; newest first. */
    async referralIds(createdBy: string, since: Date): Promise<string[]> {
      const rows = await db
        .select({ id: referrals.id })
        .from(referrals)
        .where(
          and(
            eq(referrals.createdBy, createdBy),
            or(
              notInArray(referrals.status, ['done', 'revoked', 'rejected']),
              gte(referrals.updatedAt, since),
            ),
          ),
        )
        .orderBy(desc(referrals.createdAt))
        .limit(200);
      return rows.map((r) => r.id);
    },

    /** Her counts since `since`. Raw SQL: five scalar subqueries in one round trip, one over a LATERAL join. */
    async shift(userId: string, since: Date): Promise<Omit<ShiftSummary, 'since'> | undefined> {
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
        [userId, since, HIGH_RISK_LEVELS],
      );
      return rows[0];
    },

    async consultationByReference(
      reference: string,
    ): Promise<Pick<typeof consultations.$inferSelect, 'id' | 'operatorId'> | undefined> {
      const [row] = await db
        .select({ id: consultations.id, operatorId: consultations.operatorId })
        .from(consultations)
        .where(eq(consultations.reference, reference));
      return row;
    },

    async referralByReference(
      reference: string,
    ): Promise<Pick<typeof referrals.$inferSelect, 'id' | 'consultationId' | 'createdBy'> | undefined> {
      const [row] = await db
        .select({
          id: referrals.id,
          consultationId: referrals.consultationId,
          createdBy: referrals.createdBy,
        })
        .from(referrals)
        .where(eq(referrals.reference, reference));
      return row;
    },
  };
}
