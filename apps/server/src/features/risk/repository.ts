import { dbOn, type Queryable, schema } from '@korgon/db';
import { and, asc, desc, eq, sql } from 'drizzle-orm';
import type { RiskRow, StoredOverride } from '../consultations/repository';

const { consultations, methodologyVersions, riskAssessments, taxonomyVersions, users } = schema;

export type MethodologyVersionRow = typeof methodologyVersions.$inferSelect;

/** An assessment to store; its id is made by the caller (the override's free text is sealed for it). */
export interface NewAssessment {
  id: string;
  consultationId: string;
  methodologyId: string;
  methodologyVersion: string;
  answers: Record<string, string>;
  score: number;
  computedLevel: string;
  minimumLevel: string;
  finalLevel: string;
  override: StoredOverride | null;
  result: unknown;
  createdBy: string;
}

/**
 * Methodologies, taxonomies and stored assessments. Runs on what it is given: the pool, or the client of a
 * transaction that also reads the consultation (createConsultationsRepository) and writes the audit log.
 */
export function createRiskRepository(q: Queryable) {
  const db = dbOn(q);
  return {
    async methodologyDocument(id: string, version: string): Promise<unknown> {
      const [row] = await db
        .select({ document: methodologyVersions.document })
        .from(methodologyVersions)
        .where(and(eq(methodologyVersions.methodologyId, id), eq(methodologyVersions.version, version)));
      return row?.document;
    },

    async activeMethodology(): Promise<Pick<MethodologyVersionRow, 'methodologyId' | 'version'> | undefined> {
      const [row] = await db
        .select({ methodologyId: methodologyVersions.methodologyId, version: methodologyVersions.version })
        .from(methodologyVersions)
        .where(eq(methodologyVersions.active, true))
        .limit(1);
      return row;
    },

    /** Every methodology version, newest first. */
    async methodologies(): Promise<Omit<MethodologyVersionRow, 'createdBy'>[]> {
      return db
        .select({
          methodologyId: methodologyVersions.methodologyId,
          version: methodologyVersions.version,
          document: methodologyVersions.document,
          active: methodologyVersions.active,
          createdAt: methodologyVersions.createdAt,
        })
        .from(methodologyVersions)
        .orderBy(desc(methodologyVersions.createdAt));
    },

    /** Stores an uploaded version (inactive); an id and version that exist are a unique violation. */
    async insertMethodology(
      row: Pick<MethodologyVersionRow, 'methodologyId' | 'version' | 'document' | 'createdBy'>,
    ): Promise<Date | undefined> {
      const [created] = await db
        .insert(methodologyVersions)
        .values(row)
        .returning({ createdAt: methodologyVersions.createdAt });
      return created?.createdAt;
    },

    /** Makes this version the only active one; false (nothing changed) when it does not exist. */
    async activateMethodology(id: string, version: string): Promise<boolean> {
      const named = and(eq(methodologyVersions.methodologyId, id), eq(methodologyVersions.version, version));
      const found = await db
        .select({ active: methodologyVersions.active })
        .from(methodologyVersions)
        .where(named)
        .for('update');
      if (found.length === 0) return false;
      await db.update(methodologyVersions).set({ active: false }).where(eq(methodologyVersions.active, true));
      await db.update(methodologyVersions).set({ active: true }).where(named);
      return true;
    },

    /** A taxonomy's document by version, or the active one's. */
    async taxonomyDocument(version?: string): Promise<unknown> {
      const [row] = version
        ? await db
            .select({ document: taxonomyVersions.document })
            .from(taxonomyVersions)
            .where(eq(taxonomyVersions.version, version))
        : await db
            .select({ document: taxonomyVersions.document })
            .from(taxonomyVersions)
            .where(eq(taxonomyVersions.active, true))
            .orderBy(desc(taxonomyVersions.createdAt))
            .limit(1);
      return row?.document;
    },

    /** Raw SQL: RETURNING * as RiskRow has it (snake_case, shared with the consultations feature). */
    async insertAssessment(a: NewAssessment): Promise<RiskRow | undefined> {
      const { rows } = await q.query<RiskRow>(
        `INSERT INTO risk_assessments (consultation_id, methodology_id, methodology_version, answers, score, computed_level,
                                       minimum_level, final_level, override, result, created_by, id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING *`,
        [
          a.consultationId,
          a.methodologyId,
          a.methodologyVersion,
          JSON.stringify(a.answers),
          a.score,
          a.computedLevel,
          a.minimumLevel,
          a.finalLevel,
          a.override ? JSON.stringify(a.override) : null,
          JSON.stringify(a.result),
          a.createdBy,
          a.id,
        ],
      );
      return rows[0];
    },

    /** Raw SQL: `SELECT *` as RiskRow has it (snake_case, shared with the consultations feature). */
    async lockAssessment(id: string): Promise<RiskRow | undefined> {
      const { rows } = await q.query<RiskRow>('SELECT * FROM risk_assessments WHERE id = $1 FOR UPDATE', [
        id,
      ]);
      return rows[0];
    },

    /** Raw SQL: RETURNING * as RiskRow has it (snake_case, shared with the consultations feature). */
    async setOverride(
      id: string,
      override: StoredOverride,
      finalLevel: string,
    ): Promise<RiskRow | undefined> {
      const { rows } = await q.query<RiskRow>(
        'UPDATE risk_assessments SET override = $2, final_level = $3 WHERE id = $1 RETURNING *',
        [id, JSON.stringify(override), finalLevel],
      );
      return rows[0];
    },

    /** Assessments whose lowered level waits for a supervisor, oldest first, with who asked and where. */
    async pendingSignOffs() {
      return db
        .select({
          id: riskAssessments.id,
          consultationId: riskAssessments.consultationId,
          createdBy: riskAssessments.createdBy,
          computedLevel: riskAssessments.computedLevel,
          override: sql<StoredOverride | null>`${riskAssessments.override}`,
          createdAt: riskAssessments.createdAt,
          operatorName: users.displayName,
          consultationReference: consultations.reference,
        })
        .from(riskAssessments)
        .innerJoin(users, eq(users.id, riskAssessments.createdBy))
        .innerJoin(consultations, eq(consultations.id, riskAssessments.consultationId))
        .where(sql`${riskAssessments.override}->>'status' = 'pending_sign_off'`)
        .orderBy(asc(riskAssessments.createdAt));
    },

    async consultationReference(id: string): Promise<string | undefined> {
      const [row] = await db
        .select({ reference: consultations.reference })
        .from(consultations)
        .where(eq(consultations.id, id));
      return row?.reference;
    },
  };
}
