import { ConsultationData, type RiskOverride } from '@korgon/domain';
import type pg from 'pg';

export type Queryable = Pick<pg.PoolClient | pg.Pool, 'query'>;

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

export interface AddendumRow {
  id: string;
  author_id: string;
  author_name: string;
  created_at: Date;
  /** Null once retention shredded it (shredded_at). */
  text_ciphertext: Buffer | null;
  key_version: number;
  signature: string;
  shredded_at: Date | null;
}

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
  return {
    async find(id: string, opts: { forUpdate?: boolean } = {}): Promise<ConsultationRow | undefined> {
      const { rows } = await q.query<ConsultationRow>(
        `${SELECT} WHERE k.id = $1${opts.forUpdate ? ' FOR UPDATE OF k' : ''}`,
        [id],
      );
      const row = rows[0];
      // A draft opened by taking a call starts empty: read it with the schema's defaults filled in.
      return row ? { ...row, data: ConsultationData.parse(row.data) } : undefined;
    },

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
     * on; undefined means "look closer" (not hers, final, moved on, missing, or a retried save).
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
     * change) and hers, the author's, draft. Nothing back means "look closer" (settleAuth, then `save`).
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
      await q.query(
        `UPDATE consultations SET channel = $2, data = $3, notes_ciphertext = $4, notes_key_version = $5,
                revision = revision + 1, updated_at = now() WHERE id = $1`,
        [id, r.channel, JSON.stringify(r.data), r.sealed, r.keyVersion],
      );
    },

    async finalize(id: string) {
      await q.query(
        `UPDATE consultations SET status = 'final', finalized_at = now(), updated_at = now() WHERE id = $1`,
        [id],
      );
    },

    async latestRisk(consultationId: string): Promise<RiskRow | undefined> {
      const { rows } = await q.query<RiskRow>(
        'SELECT * FROM risk_assessments WHERE consultation_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1',
        [consultationId],
      );
      return rows[0];
    },

    async addenda(consultationId: string): Promise<AddendumRow[]> {
      const { rows } = await q.query<AddendumRow>(
        `SELECT a.id, a.author_id, u.display_name AS author_name, a.created_at, a.text_ciphertext, a.key_version, a.signature,
                a.shredded_at
           FROM consultation_addenda a JOIN users u ON u.id = a.author_id
          WHERE a.consultation_id = $1 ORDER BY a.created_at, a.id`,
        [consultationId],
      );
      return rows;
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
      await q.query(
        `INSERT INTO consultation_addenda (id, consultation_id, author_id, created_at, text_ciphertext, key_version, signature)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [r.id, r.consultationId, r.authorId, r.createdAt, r.sealed, r.keyVersion, r.signature],
      );
    },

    async priorContacts(callerHash: string, before: Date): Promise<number> {
      const { rows } = await q.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM calls WHERE caller_hash = $1 AND offered_at < $2 AND offered_at >= $2 - interval '90 days'`,
        [callerHash, before],
      );
      return rows[0]?.n ?? 0;
    },

    /** Earlier consultations with the same caller hash: summaries only, never free text. */
    async history(id: string, callerHash: string) {
      const { rows } = await q.query<{
        id: string;
        reference: string;
        created_at: Date;
        status: 'draft' | 'final';
        data: ConsultationData;
        taxonomy_version: string;
        risk_level: string | null;
      }>(
        `SELECT k.id, k.reference, k.created_at, k.status, k.data, k.taxonomy_version,
                (SELECT r.final_level FROM risk_assessments r WHERE r.consultation_id = k.id
                  ORDER BY r.created_at DESC LIMIT 1) AS risk_level
           FROM consultations k
          WHERE k.caller_hash = $1 AND k.id <> $2
          ORDER BY k.created_at DESC LIMIT 50`,
        [callerHash, id],
      );
      return rows;
    },
  };
}
