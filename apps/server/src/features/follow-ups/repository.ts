import { dbOn, FOLLOW_UP_SELECT, type FollowUpRow, type Queryable, schema } from '@korgon/db';
import type { ChainEntry, LocalizedText, PlannedFollowUp } from '@korgon/domain';
import { and, desc, eq, sql } from 'drizzle-orm';

const { consultations, followUps, methodologyVersions, riskAssessments, users } = schema;

export type FollowUpChainRow = Pick<
  typeof consultations.$inferSelect,
  'id' | 'previousId' | 'operatorId' | 'channel' | 'status' | 'createdAt' | 'finalizedAt'
> & {
  reference: string | null;
  followUpKind: ChainEntry['followUpKind'];
  riskLevel: string | null;
  referrals: {
    id: string;
    reference: string | null;
    partner: LocalizedText;
    status: string;
    created_at: string;
  }[];
  followUps: { id: string; kind: ChainEntry['followUpKind']; state: string; due_at: string }[];
};

/** Follow-ups' SQL, on the connection given (a transaction's client, or the pool for reads). */
export function createFollowUpsRepository(q: Queryable) {
  const db = dbOn(q);
  const now = sql`now()`;

  return {
    /** The follow-up with its assignee's name, locked (its row only) until the transaction ends. */
    async lock(id: string) {
      const [row] = await db
        .select({
          id: followUps.id,
          state: followUps.state,
          assigneeId: followUps.assigneeId,
          assigneeName: users.displayName,
          consultationId: followUps.consultationId,
        })
        .from(followUps)
        .leftJoin(users, eq(users.id, followUps.assigneeId))
        .where(eq(followUps.id, id))
        .for('update', { of: followUps });
      return row;
    },

    async close(
      id: string,
      r: { state: 'missed' | 'cancelled'; reasonSealed: Buffer; keyVersion: number; at: Date; by: string },
    ): Promise<void> {
      await db
        .update(followUps)
        .set({
          state: r.state,
          reasonSealed: r.reasonSealed,
          keyVersion: r.keyVersion,
          closedAt: r.at,
          closedBy: r.by,
          updatedAt: now,
        })
        .where(eq(followUps.id, id));
    },

    /** Done by this consultation, if it is still due; false when it was not. */
    async markDone(id: string, r: { consultationId: string; at: Date; by: string }): Promise<boolean> {
      const rows = await db
        .update(followUps)
        .set({
          state: 'done',
          doneConsultationId: r.consultationId,
          closedAt: r.at,
          closedBy: r.by,
          updatedAt: now,
        })
        .where(and(eq(followUps.id, id), eq(followUps.state, 'due')))
        .returning({ id: followUps.id });
      return rows.length > 0;
    },

    async setAssignee(id: string, assigneeId: string | null): Promise<void> {
      await db.update(followUps).set({ assigneeId, updatedAt: now }).where(eq(followUps.id, id));
    },

    /** The consultation's latest assessment, with the actions its methodology names for the level reached. */
    async latestRisk(consultationId: string) {
      const [row] = await db
        .select({
          finalLevel: riskAssessments.finalLevel,
          actions: sql<unknown>`${methodologyVersions.document}->'actions'->${riskAssessments.finalLevel}`,
        })
        .from(riskAssessments)
        .leftJoin(
          methodologyVersions,
          and(
            eq(methodologyVersions.methodologyId, riskAssessments.methodologyId),
            eq(methodologyVersions.version, riskAssessments.methodologyVersion),
          ),
        )
        .where(eq(riskAssessments.consultationId, consultationId))
        .orderBy(desc(riskAssessments.createdAt), desc(riskAssessments.id))
        .limit(1);
      return row;
    },

    /** Makes a planned follow-up, once per consultation and source: undefined when it exists already. */
    async insertPlanned(consultationId: string, p: PlannedFollowUp, createdBy: string) {
      const [row] = await db
        .insert(followUps)
        .values({
          consultationId,
          kind: p.kind,
          source: p.source,
          dueAt: p.dueAt,
          raiseAt: p.raiseAt,
          windowFrom: p.window?.from ?? null,
          windowTo: p.window?.to ?? null,
          assigneeId: p.assigneeId,
          createdBy,
        })
        .onConflictDoNothing({ target: [followUps.consultationId, followUps.source] })
        .returning({ id: followUps.id, raiseAt: followUps.raiseAt });
      return row;
    },

    /**
     * A worklist's three reads. Raw SQL: FOLLOW_UP_SELECT is shared with the worker as text (to_jsonb, scalar
     * subqueries). `who` is a condition on `f` written by the service, $1 is now and $2 the person for "mine".
     */
    async worklist(who: string, params: unknown[]) {
      const [items, upcoming, next] = await Promise.all([
        q.query<FollowUpRow>(
          `${FOLLOW_UP_SELECT}
            WHERE ${who}
              AND ((f.state = 'due' AND (f.raised_at IS NOT NULL OR f.raise_at <= $1))
                   OR f.closed_at >= $1::timestamptz - interval '1 day')
            ORDER BY (f.state = 'due') DESC, CASE WHEN f.state = 'due' THEN f.raise_at END ASC, f.closed_at DESC
            LIMIT 300`,
          params,
        ),
        q.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM follow_ups f
            WHERE ${who} AND f.state = 'due' AND f.raised_at IS NULL AND f.raise_at > $1`,
          params,
        ),
        q.query<FollowUpRow>(
          `${FOLLOW_UP_SELECT}
            WHERE ${who} AND f.state = 'due' AND f.raised_at IS NULL AND f.raise_at > $1
            ORDER BY f.raise_at, f.id LIMIT 100`,
          params,
        ),
      ]);
      return { items: items.rows, upcoming: upcoming.rows[0]?.n ?? 0, next: next.rows };
    },

    async user(
      id: string,
    ): Promise<Pick<typeof users.$inferSelect, 'role' | 'active' | 'displayName'> | undefined> {
      const [row] = await db
        .select({ role: users.role, active: users.active, displayName: users.displayName })
        .from(users)
        .where(eq(users.id, id));
      return row;
    },

    /** The newest draft opened for this follow-up (its call-back under way), with its author's name. */
    async openDraft(followUpId: string) {
      const [row] = await db
        .select({
          id: consultations.id,
          operatorId: consultations.operatorId,
          displayName: users.displayName,
        })
        .from(consultations)
        .innerJoin(users, eq(users.id, consultations.operatorId))
        .where(and(eq(consultations.followUpId, followUpId), eq(consultations.status, 'draft')))
        .orderBy(desc(consultations.createdAt))
        .limit(1);
      return row;
    },

    /**
     * Opens the call-back's draft, linked to the earlier consultation and carrying its caller hash: false when
     * the id is taken. Raw SQL: an INSERT … SELECT from the earlier row with a subquery for the taxonomy.
     */
    async insertCallBack(r: {
      id: string;
      operatorId: string;
      followUpId: string;
      previousId: string;
    }): Promise<boolean> {
      const inserted = await q.query(
        `INSERT INTO consultations (id, channel, operator_id, caller_hash, caller_hash_key_version, taxonomy_version,
                                    previous_id, follow_up_id)
         SELECT $1, 'call_back', $2, p.caller_hash, p.caller_hash_key_version,
                (SELECT version FROM taxonomy_versions WHERE active ORDER BY created_at DESC LIMIT 1), p.id, $3
           FROM consultations p WHERE p.id = $4
         ON CONFLICT (id) DO NOTHING RETURNING id`,
        [r.id, r.operatorId, r.followUpId, r.previousId],
      );
      return Boolean(inserted.rowCount);
    },

    async consultationAuthor(id: string): Promise<string | undefined> {
      const [row] = await db
        .select({ operatorId: consultations.operatorId })
        .from(consultations)
        .where(eq(consultations.id, id));
      return row?.operatorId;
    },

    /**
     * The caller's anonymous case around a consultation, oldest first. Raw SQL: recursive CTEs up and down the
     * previous_id links, with jsonb aggregates of referrals and follow-ups.
     */
    async chain(id: string): Promise<FollowUpChainRow[]> {
      const { rows } = await q.query<FollowUpChainRow>(
        `WITH RECURSIVE up AS (
           SELECT id, previous_id, 0 AS depth FROM consultations WHERE id = $1
           UNION ALL
           SELECT p.id, p.previous_id, up.depth + 1 FROM consultations p JOIN up ON p.id = up.previous_id
            WHERE up.depth < 100
         ), root AS (SELECT id FROM up ORDER BY depth DESC LIMIT 1),
         down AS (
           SELECT id, 0 AS depth FROM root
           UNION ALL
           SELECT k.id, down.depth + 1 FROM consultations k JOIN down ON k.previous_id = down.id
            WHERE down.depth < 100
         )
         SELECT k.id, to_jsonb(k)->>'reference' AS reference, k.previous_id AS "previousId",
                k.operator_id AS "operatorId",
                (SELECT f.kind FROM follow_ups f WHERE f.id = k.follow_up_id) AS "followUpKind",
                k.channel, k.status, k.created_at AS "createdAt", k.finalized_at AS "finalizedAt",
                (SELECT r.final_level FROM risk_assessments r WHERE r.consultation_id = k.id
                  ORDER BY r.created_at DESC, r.id DESC LIMIT 1) AS "riskLevel",
                COALESCE((SELECT jsonb_agg(jsonb_build_object('id', x.id, 'reference', to_jsonb(x)->>'reference',
                                  'partner', p.name, 'status', x.status, 'created_at', x.created_at)
                                  ORDER BY x.created_at)
                            FROM referrals x JOIN partner_orgs p ON p.id = x.partner_org_id
                           WHERE x.consultation_id = k.id), '[]'::jsonb) AS referrals,
                COALESCE((SELECT jsonb_agg(jsonb_build_object('id', f.id, 'kind', f.kind, 'state', f.state,
                                  'due_at', f.due_at) ORDER BY f.due_at)
                            FROM follow_ups f WHERE f.consultation_id = k.id), '[]'::jsonb) AS "followUps"
           FROM consultations k WHERE k.id IN (SELECT DISTINCT id FROM down)
          ORDER BY k.created_at, k.id LIMIT 200`,
        [id],
      );
      return rows;
    },
  };
}
