import { dbOn, type Queryable, schema } from '@korgon/db';
import { ConsultationData, type RiskOverride } from '@korgon/domain';
import { and, asc, count, desc, eq, gte, inArray, lt, ne, sql } from 'drizzle-orm';

export type { Queryable };

const { calls, consultationAddenda, consultations, riskAssessments, taxonomyVersions, users } = schema;

/**
 * A consultation as `find` reads it (`k.*` and the author's name), snake_case as PostgreSQL names it: the risk
 * feature reads it too.
 */
export interface ConsultationRow {
  id: string;
  /** K-2026-000123, given by the database at insert. */
  reference: string;
  call_id: string | null;
  channel: string;
  previous_id: string | null;
  follow_up_id: string | null;
  operator_id: string;
  operator_name: string;
  caller_hash: string | null;
  status: 'draft' | 'final';
  revision: number;
  taxonomy_version: string;
  data: ConsultationData;
  notes_ciphertext: Buffer | null;
  notes_key_version: number | null;
  /** When retention shredded the free text (docs/security.md "Retention"). */
  notes_shredded_at?: Date | null;
  created_at: Date;
  updated_at: Date;
  finalized_at: Date | null;
}

/** An assessment as `SELECT *` reads it (the risk feature reads and writes these rows too). */
export interface RiskRow {
  id: string;
  consultation_id: string;
  methodology_id: string;
  methodology_version: string;
  answers: Record<string, 'yes' | 'no' | 'unknown'>;
  score: number;
  computed_level: string;
  minimum_level: string;
  final_level: string;
  override: StoredOverride | null;
  created_by: string;
  created_at: Date;
}

/**
 * The override as stored (ids); names are joined when read. Its free text (the operator's reason, the supervisor's
 * sign-off note) is sealed like the notes, for the assessment's id: `textSealed` is the base64 of
 * seal(`{"reason","signOffNote"}`) under key `keyVersion` (jsonb holds no bytes). `reason` and `signOffNote` in
 * clear are only read, from assessments stored before sealing existed.
 */
export type StoredOverride = Omit<RiskOverride, 'by' | 'signedBy' | 'reason' | 'signOffNote'> & {
  byId: string;
  signedById: string | null;
  textSealed?: string;
  keyVersion?: number;
  reason?: string;
  signOffNote?: string | null;
};

/** `textCiphertext` is null once retention shredded it (`shreddedAt`). */
export type AddendumRow = Omit<typeof consultationAddenda.$inferSelect, 'consultationId'> & {
  authorName: string;
};

export type DraftRow = Pick<
  typeof consultations.$inferSelect,
  'id' | 'reference' | 'callId' | 'channel' | 'revision' | 'updatedAt'
> & { contactKind: string | null };

/** The session's user as the autosave's statement returns it (see updateIfCurrentInSession). */
export interface SessionUserRow {
  user_id: string;
  username: string;
  display_name: string;
  role: string;
  locale: string;
  partner_org_id: string | null;
  must_change_password: boolean;
}

const SELECT = `SELECT k.*, u.display_name AS operator_name FROM consultations k JOIN users u ON u.id = k.operator_id`;

export function createConsultationsRepository(q: Queryable) {
  const db = dbOn(q);
  return {
    /** Raw SQL: `k.*` (every column, snake_case, as ConsultationRow has it) and FOR UPDATE OF one table of a join. */
    async find(id: string, opts: { forUpdate?: boolean } = {}): Promise<ConsultationRow | undefined> {
      const { rows } = await q.query<ConsultationRow>(
        `${SELECT} WHERE k.id = $1${opts.forUpdate ? ' FOR UPDATE OF k' : ''}`,
        [id],
      );
      const row = rows[0];
      // A draft opened by taking a call starts empty: read it with the schema's defaults filled in.
      return row ? { ...row, data: ConsultationData.parse(row.data) } : undefined;
    },

    /** Raw SQL: the caller hash and taxonomy version are read in the INSERT, from the call and the active taxonomy. */
    async insert(r: {
      id: string;
      callId: string | null;
      channel: string;
      operatorId: string;
      data: ConsultationData;
      sealed: Buffer;
      keyVersion: number;
    }): Promise<boolean> {
      const { rowCount } = await q.query(
        `INSERT INTO consultations (id, call_id, channel, operator_id, caller_hash, taxonomy_version, data, notes_ciphertext,
                                    notes_key_version, revision, caller_hash_key_version)
         VALUES ($1, $2, $3, $4, (SELECT caller_hash FROM calls WHERE id = $2),
                 (SELECT version FROM taxonomy_versions WHERE active ORDER BY created_at DESC LIMIT 1), $5, $6, $7, 1,
                 (SELECT caller_hash_key_version FROM calls WHERE id = $2))
         ON CONFLICT (id) DO NOTHING`,
        [r.id, r.callId, r.channel, r.operatorId, JSON.stringify(r.data), r.sealed, r.keyVersion],
      );
      return Boolean(rowCount);
    },

    /**
     * The autosave's one statement: writes only when the author's draft is still at the revision she saved
     * on; undefined means "look closer" (not hers, final, moved on, missing, or a retried save). Raw SQL: a
     * statement prepared by name, the hot path.
     */
    async updateIfCurrent(
      id: string,
      r: {
        operatorId: string;
        baseRevision: number;
        channel: string;
        data: ConsultationData;
        sealed: Buffer;
        keyVersion: number;
      },
    ): Promise<{ id: string; status: 'draft'; revision: number; updatedAt: string } | undefined> {
      const { rows } = await q.query<{ revision: number; updated_at: Date }>({
        // Prepared by name on each connection: the statement is parsed and planned once, not per save.
        name: 'korgon_autosave',
        text: `UPDATE consultations SET channel = $4, data = $5, notes_ciphertext = $6, notes_key_version = $7,
                      revision = revision + 1, updated_at = now()
                WHERE id = $1 AND operator_id = $2 AND revision = $3 AND status = 'draft'
                RETURNING revision, updated_at`,
        values: [id, r.operatorId, r.baseRevision, r.channel, JSON.stringify(r.data), r.sealed, r.keyVersion],
      });
      const row = rows[0];
      return row
        ? { id, status: 'draft', revision: row.revision, updatedAt: row.updated_at.toISOString() }
        : undefined;
    },

    /**
     * `updateIfCurrent` with the session checked in the same statement (one round trip): the guard's checks
     * (live: not ended, expired or idle; the user active, of a role in `roles`, with no one-time password to
     * change) and hers, the author's, draft. Nothing back means "look closer" (settleAuth, then `save`). Raw
     * SQL: a CTE feeding an UPDATE … FROM, prepared by name.
     */
    async updateIfCurrentInSession(
      id: string,
      session: { sessionId: string; idleMinutes: number; roles: readonly string[] },
      r: {
        baseRevision: number;
        channel: string;
        data: ConsultationData;
        sealed: Buffer;
        keyVersion: number;
      },
    ): Promise<
      | {
          saved: { id: string; status: 'draft'; revision: number; updatedAt: string };
          user: SessionUserRow;
          lastSeenAt: Date;
        }
      | undefined
    > {
      const { rows } = await q.query<
        { revision: number; updated_at: Date } & SessionUserRow & { last_seen_at: Date }
      >({
        name: 'korgon_autosave_in_session',
        text: `WITH s AS (
                 SELECT u.id AS user_id, u.username, u.display_name, u.role, u.locale, u.partner_org_id,
                        u.must_change_password, s.last_seen_at
                   FROM sessions s JOIN users u ON u.id = s.user_id
                  WHERE s.id = $6 AND s.ended_at IS NULL AND s.expires_at > now()
                    AND s.last_seen_at > now() - make_interval(mins => $7::int) AND s.pending_step IS NULL
                    AND u.active AND NOT u.must_change_password AND u.role::text = ANY($8::text[]))
               UPDATE consultations k SET channel = $3, data = $4, notes_ciphertext = $5, notes_key_version = $9,
                      revision = k.revision + 1, updated_at = now()
                 FROM s
                WHERE k.id = $1 AND k.operator_id = s.user_id AND k.revision = $2 AND k.status = 'draft'
                RETURNING k.revision, k.updated_at, s.*`,
        values: [
          id,
          r.baseRevision,
          r.channel,
          JSON.stringify(r.data),
          r.sealed,
          session.sessionId,
          session.idleMinutes,
          session.roles,
          r.keyVersion,
        ],
      });
      const row = rows[0];
      if (!row) return undefined;
      const { revision, updated_at, last_seen_at, ...user } = row;
      return {
        saved: { id, status: 'draft', revision, updatedAt: updated_at.toISOString() },
        user,
        lastSeenAt: last_seen_at,
      };
    },

    async update(
      id: string,
      r: { channel: string; data: ConsultationData; sealed: Buffer; keyVersion: number },
    ) {
      await db
        .update(consultations)
        .set({
          channel: r.channel,
          data: r.data,
          notesCiphertext: r.sealed,
          notesKeyVersion: r.keyVersion,
          revision: sql`${consultations.revision} + 1`,
          updatedAt: sql`now()`,
        })
        .where(eq(consultations.id, id));
    },

    async finalize(id: string) {
      await db
        .update(consultations)
        .set({ status: 'final', finalizedAt: sql`now()`, updatedAt: sql`now()` })
        .where(eq(consultations.id, id));
    },

    /** Raw SQL: `SELECT *` as RiskRow has it (snake_case, shared with the risk feature). */
    async latestRisk(consultationId: string): Promise<RiskRow | undefined> {
      const { rows } = await q.query<RiskRow>(
        'SELECT * FROM risk_assessments WHERE consultation_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1',
        [consultationId],
      );
      return rows[0];
    },

    async addenda(consultationId: string): Promise<AddendumRow[]> {
      return db
        .select({
          id: consultationAddenda.id,
          authorId: consultationAddenda.authorId,
          authorName: users.displayName,
          createdAt: consultationAddenda.createdAt,
          textCiphertext: consultationAddenda.textCiphertext,
          keyVersion: consultationAddenda.keyVersion,
          signature: consultationAddenda.signature,
          shreddedAt: consultationAddenda.shreddedAt,
        })
        .from(consultationAddenda)
        .innerJoin(users, eq(users.id, consultationAddenda.authorId))
        .where(eq(consultationAddenda.consultationId, consultationId))
        .orderBy(asc(consultationAddenda.createdAt), asc(consultationAddenda.id));
    },

    async insertAddendum(r: {
      id: string;
      consultationId: string;
      authorId: string;
      createdAt: Date;
      sealed: Buffer;
      keyVersion: number;
      signature: string;
    }) {
      await db.insert(consultationAddenda).values({
        id: r.id,
        consultationId: r.consultationId,
        authorId: r.authorId,
        createdAt: r.createdAt,
        textCiphertext: r.sealed,
        keyVersion: r.keyVersion,
        signature: r.signature,
      });
    },

    /** Calls from the same caller hash in the 90 days before `before`. */
    async priorContacts(callerHash: string, before: Date): Promise<number> {
      const [row] = await db
        .select({ n: count() })
        .from(calls)
        .where(
          and(
            eq(calls.callerHash, callerHash),
            lt(calls.offeredAt, before),
            gte(calls.offeredAt, sql`${before}::timestamptz - interval '90 days'`),
          ),
        );
      return row?.n ?? 0;
    },

    /** Earlier consultations with the same caller hash: summaries only, never free text. */
    async history(id: string, callerHash: string) {
      return db
        .select({
          id: consultations.id,
          reference: consultations.reference,
          createdAt: consultations.createdAt,
          status: consultations.status,
          // The column holds what the save validated (ConsultationData); only read here.
          data: sql<ConsultationData>`${consultations.data}`,
          taxonomyVersion: consultations.taxonomyVersion,
          riskLevel: sql<string | null>`(SELECT r.final_level FROM ${riskAssessments} r
            WHERE r.consultation_id = ${consultations.id} ORDER BY r.created_at DESC LIMIT 1)`,
        })
        .from(consultations)
        .where(and(eq(consultations.callerHash, callerHash), ne(consultations.id, id)))
        .orderBy(desc(consultations.createdAt))
        .limit(50);
    },

    /** Display names by user id (ids of no user are left out). */
    async displayNames(ids: string[]): Promise<Pick<typeof users.$inferSelect, 'id' | 'displayName'>[]> {
      return db
        .select({ id: users.id, displayName: users.displayName })
        .from(users)
        .where(inArray(users.id, ids));
    },

    async taxonomyDocument(version: string): Promise<unknown> {
      const [row] = await db
        .select({ document: taxonomyVersions.document })
        .from(taxonomyVersions)
        .where(eq(taxonomyVersions.version, version));
      return row?.document;
    },

    /** The version of the active taxonomy; undefined while none is. */
    async activeTaxonomyVersion(): Promise<string | undefined> {
      const [row] = await db
        .select({ version: taxonomyVersions.version })
        .from(taxonomyVersions)
        .where(eq(taxonomyVersions.active, true))
        .orderBy(desc(taxonomyVersions.createdAt))
        .limit(1);
      return row?.version;
    },

    /** When the call was offered (repeat contacts count back from it); undefined when there is no such call. */
    async callOfferedAt(callId: string): Promise<Date | null | undefined> {
      const [row] = await db.select({ offeredAt: calls.offeredAt }).from(calls).where(eq(calls.id, callId));
      return row?.offeredAt;
    },

    /** The call and who took it, locked until the transaction ends; undefined when there is no such call. */
    async lockCall(callId: string): Promise<Pick<typeof calls.$inferSelect, 'operatorId'> | undefined> {
      const [row] = await db
        .select({ operatorId: calls.operatorId })
        .from(calls)
        .where(eq(calls.id, callId))
        .for('update');
      return row;
    },

    async callHasConsultation(callId: string): Promise<boolean> {
      const rows = await db
        .select({ id: consultations.id })
        .from(consultations)
        .where(eq(consultations.callId, callId))
        .limit(1);
      return rows.length > 0;
    },

    /** Her drafts, the latest worked on first. */
    async drafts(operatorId: string): Promise<DraftRow[]> {
      return db
        .select({
          id: consultations.id,
          reference: consultations.reference,
          callId: consultations.callId,
          channel: consultations.channel,
          revision: consultations.revision,
          contactKind: sql<string | null>`${consultations.data}->>'contactKind'`,
          updatedAt: consultations.updatedAt,
        })
        .from(consultations)
        .where(and(eq(consultations.operatorId, operatorId), eq(consultations.status, 'draft')))
        .orderBy(desc(consultations.updatedAt))
        .limit(100);
    },
  };
}
