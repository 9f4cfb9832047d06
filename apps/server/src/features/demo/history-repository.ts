import { dbOn, type Queryable, schema } from '@korgon/db';
import { and, asc, eq, gte, inArray, isNotNull, like, notExists } from 'drizzle-orm';
import type {
  AssessmentRecord,
  ConsultationRecord,
  FollowUpRecord,
  ReferralEventRecord,
  ReferralRecord,
} from './history-records';

const { users, calls, consultations, taxonomyVersions, methodologyVersions, partnerTypeSettings } = schema;

type CallRow = typeof calls.$inferSelect;

export type DemoOperatorRow = Pick<typeof users.$inferSelect, 'id' | 'username' | 'extension'>;
/** An active partner organisation and its first active portal user, who acknowledges its referrals. */
export type DemoPartnerRow = Pick<typeof schema.partnerOrgs.$inferSelect, 'id' | 'type' | 'regions'> & {
  userId: string | null;
};
export type EscalationRow = Pick<typeof partnerTypeSettings.$inferSelect, 'type' | 'escalationMinutes'>;
/** An answered and ended history call (the columns its records are made from, none of them null). */
export type AnsweredCallRow = {
  [K in 'id' | 'externalId' | 'operatorId' | 'answeredAt' | 'endedAt']: NonNullable<CallRow[K]>;
};
export type NewHistoryCall = Required<
  Pick<
    typeof calls.$inferInsert,
    | 'id'
    | 'externalId'
    | 'state'
    | 'offeredAt'
    | 'answeredAt'
    | 'endedAt'
    | 'shortAbandoned'
    | 'extension'
    | 'operatorId'
  >
>;
export type NewOperatorPeriod = Required<
  Pick<typeof schema.operatorStateLog.$inferInsert, 'userId' | 'status' | 'callId' | 'startedAt' | 'endedAt'>
>;

/**
 * Times as ISO text and JSON as one array document per table: both cost PostgreSQL nothing more to read, and
 * spare node-postgres its per-element Date formatting and quoting of JSON inside array literals.
 */
const at = (t: number | Date | null) => (t === null ? null : new Date(t).toISOString());

/**
 * The demo history's rows (history.ts, history-records.ts), on the connection of the caller's transaction.
 * The inserts are set-based, one statement per table over `unnest` of column arrays (a year is some 90,000
 * calls): the builder would send one bind parameter per value, past PostgreSQL's 65,535.
 */
export function createDemoHistoryRepository(q: Queryable) {
  const db = dbOn(q);
  return {
    async demoOperators(usernames: string[]): Promise<DemoOperatorRow[]> {
      return db
        .select({ id: users.id, username: users.username, extension: users.extension })
        .from(users)
        .where(and(inArray(users.username, usernames), eq(users.role, 'operator')));
    },

    /** Two starts at once add the history once (in the caller's transaction). The builder has no advisory locks. */
    async lockHistory(): Promise<void> {
      await q.query('SELECT pg_advisory_xact_lock(5200, 3)');
    },

    /** The days (YYYYMMDD, from the ids `demo-h-<day>-<n>`) that have history calls since `from`. */
    async historyDays(from: Date): Promise<string[]> {
      // DISTINCT over an expression of the id: plainer in SQL than in the builder.
      const { rows } = await q.query<{ day: string }>(
        `SELECT DISTINCT substr(external_id, 8, 8) AS day FROM calls
          WHERE external_id LIKE 'demo-h-%' AND offered_at >= $1`,
        [from],
      );
      return rows.map((r) => r.day);
    },

    async taxonomyDocument(version: string): Promise<unknown | undefined> {
      const [row] = await db
        .select({ document: taxonomyVersions.document })
        .from(taxonomyVersions)
        .where(eq(taxonomyVersions.version, version));
      return row?.document;
    },

    async methodologyDocument(methodologyId: string, version: string): Promise<unknown | undefined> {
      const [row] = await db
        .select({ document: methodologyVersions.document })
        .from(methodologyVersions)
        .where(
          and(eq(methodologyVersions.methodologyId, methodologyId), eq(methodologyVersions.version, version)),
        );
      return row?.document;
    },

    async activePartners(): Promise<DemoPartnerRow[]> {
      // A correlated subquery in the select list (the first portal user): plainer in SQL than in the builder.
      const { rows } = await q.query<DemoPartnerRow>(
        `SELECT p.id, p.type::text AS type, p.regions,
                (SELECT u.id FROM users u WHERE u.partner_org_id = p.id AND u.active ORDER BY u.created_at LIMIT 1)
                  AS "userId"
           FROM partner_orgs p WHERE p.active ORDER BY p.slug`,
      );
      return rows;
    },

    async escalationMinutes(): Promise<EscalationRow[]> {
      return db
        .select({ type: partnerTypeSettings.type, escalationMinutes: partnerTypeSettings.escalationMinutes })
        .from(partnerTypeSettings);
    },

    /** The calls of the history on line 5200; taken when answered, a lost one lost four hours after. */
    async insertCalls(rows: readonly NewHistoryCall[]): Promise<void> {
      await q.query(
        `INSERT INTO calls (id, external_id, line, state, offered_at, answered_at, ended_at, short_abandoned, extension,
                            operator_id, taken_at, lost_at, created_at, updated_at)
         SELECT x.id, x.external_id, '5200', x.state::call_state, x.offered_at, x.answered_at, x.ended_at,
                x.short_abandoned, x.extension, x.operator_id, x.answered_at,
                CASE WHEN x.state = 'lost' THEN x.answered_at + interval '4 hours' END,
                x.offered_at, coalesce(x.ended_at, x.answered_at, x.offered_at)
           FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::timestamptz[],
                       $7::boolean[], $8::text[], $9::uuid[])
             AS x(id, external_id, state, offered_at, answered_at, ended_at, short_abandoned, extension, operator_id)`,
        [
          rows.map((c) => c.id),
          rows.map((c) => c.externalId),
          rows.map((c) => c.state),
          rows.map((c) => at(c.offeredAt)),
          rows.map((c) => at(c.answeredAt)),
          rows.map((c) => at(c.endedAt)),
          rows.map((c) => c.shortAbandoned),
          rows.map((c) => c.extension),
          rows.map((c) => c.operatorId),
        ],
      );
    },

    async insertOperatorPeriods(rows: readonly NewOperatorPeriod[]): Promise<void> {
      await q.query(
        `INSERT INTO operator_state_log (user_id, status, call_id, started_at, ended_at)
         SELECT * FROM unnest($1::uuid[], $2::operator_status[], $3::uuid[], $4::timestamptz[], $5::timestamptz[])`,
        [
          rows.map((p) => p.userId),
          rows.map((p) => p.status),
          rows.map((p) => p.callId),
          rows.map((p) => at(p.startedAt)),
          rows.map((p) => at(p.endedAt)),
        ],
      );
    },

    /** The answered history calls since `from` that have no consultation, in the order they were offered. */
    async answeredCallsWithoutRecords(from: Date): Promise<AnsweredCallRow[]> {
      const rows = await db
        .select({
          id: calls.id,
          externalId: calls.externalId,
          operatorId: calls.operatorId,
          answeredAt: calls.answeredAt,
          endedAt: calls.endedAt,
        })
        .from(calls)
        .where(
          and(
            like(calls.externalId, 'demo-h-%'),
            gte(calls.offeredAt, from),
            eq(calls.state, 'ended'),
            isNotNull(calls.operatorId),
            isNotNull(calls.answeredAt),
            isNotNull(calls.endedAt),
            notExists(
              db
                .select({ id: consultations.id })
                .from(consultations)
                .where(eq(consultations.callId, calls.id)),
            ),
          ),
        )
        .orderBy(asc(calls.offeredAt), asc(calls.externalId));
      return rows.flatMap(({ id, externalId, operatorId, answeredAt, endedAt }) =>
        operatorId && answeredAt && endedAt ? [{ id, externalId, operatorId, answeredAt, endedAt }] : [],
      );
    },

    /**
     * Final consultations, in the order given. Reference numbers are taken in blocks per year (reference_take,
     * the bulk path beside the per-row trigger) and given in that order, so the K- numbers of the history run
     * with time and the numbers of the records made after it follow on. A window function and a CTE: SQL.
     */
    async insertConsultations(ks: readonly ConsultationRecord[], taxonomyVersion: string): Promise<void> {
      await q.query(
        `WITH x AS (
           SELECT u.*, d.data, reference_year(u.created_at) AS y,
                  row_number() OVER (PARTITION BY reference_year(u.created_at) ORDER BY u.created_at, u.id) AS n
             FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::uuid[], $5::uuid[], $6::int[], $8::timestamptz[],
                         $9::timestamptz[]) WITH ORDINALITY
               AS u(id, call_id, channel, previous_id, operator_id, revision, created_at, finalized_at, i)
             JOIN jsonb_array_elements($7::jsonb) WITH ORDINALITY AS d(data, i) USING (i)),
         blocks AS (SELECT y, reference_take('K', y, count(*)::int) AS first FROM x GROUP BY y)
         INSERT INTO consultations (id, reference, call_id, channel, previous_id, operator_id, caller_hash, status, revision,
                                    taxonomy_version, data, created_at, updated_at, finalized_at)
         SELECT x.id, reference_format('K', x.y, b.first + x.n - 1), x.call_id, x.channel, x.previous_id, x.operator_id, NULL,
                'final', x.revision, $10, x.data, x.created_at, x.finalized_at, x.finalized_at
           FROM x JOIN blocks b USING (y)
          ORDER BY x.created_at, x.id`,
        [
          ks.map((k) => k.id),
          ks.map((k) => k.callId),
          ks.map((k) => k.channel),
          ks.map((k) => k.previousId),
          ks.map((k) => k.operatorId),
          ks.map((k) => k.revision),
          JSON.stringify(ks.map((k) => k.data)),
          ks.map((k) => at(k.createdAt)),
          ks.map((k) => at(k.finalizedAt)),
          taxonomyVersion,
        ],
      );
    },

    /** Assessments as `assess` computed them (no override); score and levels read from the result document. */
    async insertAssessments(
      a: readonly AssessmentRecord[],
      methodology: { id: string; version: string },
    ): Promise<void> {
      await q.query(
        `INSERT INTO risk_assessments (id, consultation_id, methodology_id, methodology_version, answers, score,
                                       computed_level, minimum_level, result, final_level, override, created_by, created_at)
         SELECT u.id, u.consultation_id, $7, $8, ans.answers, (res.result->>'score')::float8, res.result->>'level',
                res.result->>'minimumLevel', res.result, res.result->>'level', NULL, u.created_by, u.created_at
           FROM unnest($1::uuid[], $2::uuid[], $5::uuid[], $6::timestamptz[]) WITH ORDINALITY
             AS u(id, consultation_id, created_by, created_at, i)
           JOIN jsonb_array_elements($3::jsonb) WITH ORDINALITY AS ans(answers, i) USING (i)
           JOIN jsonb_array_elements($4::jsonb) WITH ORDINALITY AS res(result, i) USING (i)`,
        [
          a.map((x) => x.id),
          a.map((x) => x.consultationId),
          JSON.stringify(a.map((x) => x.answers)),
          JSON.stringify(a.map((x) => x.result)),
          a.map((x) => x.createdBy),
          a.map((x) => at(x.createdAt)),
          methodology.id,
          methodology.version,
        ],
      );
    },

    /** Follow-ups with their reason sealed by the caller (`keyVersion`: the notes key's, null without a key). */
    async insertFollowUps(
      f: readonly (FollowUpRecord & { reasonSealed: Buffer | null })[],
      keyVersion: number | null,
    ): Promise<void> {
      await q.query(
        `INSERT INTO follow_ups (id, consultation_id, kind, source, state, due_at, raise_at, raised_at, window_from, window_to,
                                 assignee_id, done_consultation_id, reason_sealed, key_version, closed_at, closed_by,
                                 created_by, created_at, updated_at)
         SELECT u.id, u.consultation_id, u.kind::follow_up_kind, u.source, u.state::follow_up_state, u.due_at, u.raise_at,
                u.raised_at, u.window_from, u.window_to, u.assignee_id, u.done_consultation_id, u.reason_sealed,
                CASE WHEN u.reason_sealed IS NOT NULL THEN $18::int END, u.closed_at, u.closed_by, u.created_by, u.created_at,
                coalesce(u.closed_at, u.raised_at, u.created_at)
           FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::timestamptz[],
                       $8::timestamptz[], $9::text[], $10::text[], $11::uuid[], $12::uuid[], $13::bytea[], $14::timestamptz[],
                       $15::uuid[], $16::uuid[], $17::timestamptz[])
             AS u(id, consultation_id, kind, source, state, due_at, raise_at, raised_at, window_from, window_to, assignee_id,
                  done_consultation_id, reason_sealed, closed_at, closed_by, created_by, created_at)`,
        [
          f.map((x) => x.id),
          f.map((x) => x.consultationId),
          f.map((x) => x.plan.kind),
          f.map((x) => x.plan.source),
          f.map((x) => x.state),
          f.map((x) => x.plan.dueAt),
          f.map((x) => x.plan.raiseAt),
          f.map((x) => at(x.raisedAt)),
          f.map((x) => x.plan.window?.from ?? null),
          f.map((x) => x.plan.window?.to ?? null),
          f.map((x) => x.assigneeId),
          f.map((x) => x.doneConsultationId),
          f.map((x) => x.reasonSealed),
          f.map((x) => at(x.closedAt)),
          f.map((x) => x.closedBy),
          f.map((x) => x.createdBy),
          f.map((x) => at(x.createdAt)),
          keyVersion,
        ],
      );
    },

    /** The call-backs name the follow-up they did (consultations.follow_up_id refers to follow_ups: set after). */
    async linkCallBacks(ks: readonly Pick<ConsultationRecord, 'id' | 'followUpId'>[]): Promise<void> {
      // An update from unnest: one statement for all of them.
      await q.query(
        `UPDATE consultations k SET follow_up_id = u.follow_up_id
           FROM unnest($1::uuid[], $2::uuid[]) AS u(id, follow_up_id) WHERE k.id = u.id`,
        [ks.map((k) => k.id), ks.map((k) => k.followUpId)],
      );
    },

    /**
     * Referrals in the order given, their R- numbers taken in blocks per year as the consultations' are, with
     * their rejection reason sealed by the caller (`keyVersion`: the notes key's, null without a key).
     */
    async insertReferrals(
      rs: readonly (ReferralRecord & { rejectionSealed: Buffer | null })[],
      keyVersion: number | null,
    ): Promise<void> {
      await q.query(
        `WITH x AS (
           SELECT u.*, c.content, reference_year(u.created_at) AS y,
                  row_number() OVER (PARTITION BY reference_year(u.created_at) ORDER BY u.created_at, u.id) AS n
             FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $8::bytea[],
                         $9::timestamptz[], $10::timestamptz[], $11::timestamptz[], $12::timestamptz[], $13::uuid[],
                         $14::timestamptz[], $15::timestamptz[]) WITH ORDINALITY
               AS u(id, consultation_id, partner_org_id, urgency, status, fields, rejection_sealed, delivered_at,
                    acknowledged_at, escalated_at, escalate_at, created_by, created_at, updated_at, i)
             JOIN jsonb_array_elements($7::jsonb) WITH ORDINALITY AS c(content, i) USING (i)),
         blocks AS (SELECT y, reference_take('R', y, count(*)::int) AS first FROM x GROUP BY y)
         INSERT INTO referrals (id, reference, consultation_id, partner_org_id, urgency, status, consent_basis, fields, content,
                                key_version, rejection_reason_sealed, attempts, delivered_at, acknowledged_at, escalated_at,
                                escalate_at, created_by, created_at, updated_at)
         SELECT x.id, reference_format('R', x.y, b.first + x.n - 1), x.consultation_id, x.partner_org_id, x.urgency,
                x.status::referral_status, 'caller_consent', string_to_array(x.fields, ','), x.content, $16::int,
                x.rejection_sealed, 1, x.delivered_at, x.acknowledged_at, x.escalated_at, x.escalate_at, x.created_by,
                x.created_at, x.updated_at
           FROM x JOIN blocks b USING (y)
          ORDER BY x.created_at, x.id`,
        [
          rs.map((x) => x.id),
          rs.map((x) => x.consultationId),
          rs.map((x) => x.partnerOrgId),
          rs.map((x) => x.urgency),
          rs.map((x) => x.status),
          rs.map((x) => x.fields.join(',')),
          JSON.stringify(rs.map((x) => x.content)),
          rs.map((x) => x.rejectionSealed),
          rs.map((x) => at(x.deliveredAt)),
          rs.map((x) => at(x.acknowledgedAt)),
          rs.map((x) => at(x.escalatedAt)),
          rs.map((x) => at(x.escalateAt)),
          rs.map((x) => x.createdBy),
          rs.map((x) => at(x.createdAt)),
          rs.map((x) => at(x.updatedAt)),
          keyVersion,
        ],
      );
    },

    async insertReferralEvents(ev: readonly (ReferralEventRecord & { referralId: string })[]): Promise<void> {
      await q.query(
        `INSERT INTO referral_events (referral_id, status, at, actor_id, actor, details)
         SELECT u.referral_id, u.status::referral_status, u.at, u.actor_id, u.actor, u.details
           FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::uuid[], $5::text[], $6::jsonb[])
             AS u(referral_id, status, at, actor_id, actor, details)
          ORDER BY u.at`,
        [
          ev.map((e) => e.referralId),
          ev.map((e) => e.status),
          ev.map((e) => at(e.at)),
          ev.map((e) => e.actorId),
          ev.map((e) => e.actor),
          ev.map((e) => JSON.stringify(e.details)),
        ],
      );
    },
  };
}
