import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { inTransaction, writeAudit } from '@korgon/db';
import {
  type Consultation,
  ConsultationData,
  type ConsultationSaved,
  ConsultationSecret,
  can,
  finalizeIssues,
  type RiskRecord,
  type SaveConsultationBody,
  Taxonomy,
} from '@korgon/domain';
import { open, type SealKey, seal, UnreadableError } from '@korgon/signing';
import type pg from 'pg';
import { AppError, ConflictError, ForbiddenError, NotFoundError } from '../../errors';
import type { SessionUser } from '../auth/repository';
import {
  type ConsultationRow,
  createConsultationsRepository,
  type Queryable,
  type RiskRow,
  type StoredOverride,
} from './repository';

/** A 409 that carries the record as it is now, so the console can show both versions to merge. */
export class RevisionConflictError extends ConflictError {
  constructor(message: string, current: Consultation) {
    super(message, { current });
  }
}

/** An override's free text, sealed for its assessment: what `StoredOverride` keeps instead of the clear text. */
export function sealOverrideText(
  key: SealKey,
  assessmentId: string,
  text: { reason: string; signOffNote: string | null },
): { textSealed: string; keyVersion: number } {
  return {
    textSealed: seal(key, assessmentId, JSON.stringify(text)).toString('base64'),
    keyVersion: key.version,
  };
}

/** The override's reason and sign-off note, opened (or read in clear from an assessment stored before sealing). */
export function overrideText(
  key: SealKey,
  assessmentId: string,
  o: StoredOverride,
): { reason: string; signOffNote: string | null } {
  if (o.textSealed === undefined || o.keyVersion === undefined)
    return { reason: o.reason ?? '', signOffNote: o.signOffNote ?? null };
  try {
    const text = JSON.parse(open(key, assessmentId, Buffer.from(o.textSealed, 'base64'), o.keyVersion)) as {
      reason: string;
      signOffNote: string | null;
    };
    return { reason: text.reason, signOffNote: text.signOffNote };
  } catch (err) {
    if (err instanceof UnreadableError)
      throw new AppError(409, 'conflict', `The override's reason cannot be read: ${err.message}.`);
    throw err;
  }
}

export function toRiskRecord(r: RiskRow, names: Map<string, string>, key: SealKey): RiskRecord {
  const o = r.override;
  const text = o ? overrideText(key, r.id, o) : null;
  return {
    id: r.id,
    methodologyId: r.methodology_id,
    methodologyVersion: r.methodology_version,
    answers: r.answers,
    score: r.score,
    computedLevel: r.computed_level,
    minimumLevel: r.minimum_level,
    finalLevel: r.final_level,
    override: o
      ? {
          level: o.level,
          reason: text?.reason ?? '',
          direction: o.direction,
          status: o.status,
          by: { id: o.byId, displayName: names.get(o.byId) ?? '' },
          at: o.at,
          signedBy: o.signedById ? { id: o.signedById, displayName: names.get(o.signedById) ?? '' } : null,
          signedAt: o.signedAt,
          signOffNote: text?.signOffNote ?? null,
        }
      : null,
    createdAt: r.created_at.toISOString(),
  };
}

export async function namesOf(
  q: Queryable,
  ids: (string | null | undefined)[],
): Promise<Map<string, string>> {
  const wanted = [...new Set(ids.filter((x): x is string => Boolean(x)))];
  if (wanted.length === 0) return new Map();
  const rows = await createConsultationsRepository(q).displayNames(wanted);
  return new Map(rows.map((r) => [r.id, r.displayName]));
}

/**
 * Other features' work at finalizing, in its transaction (follow-ups: made, or done); what it returns runs
 * after the commit (jobs, pushes).
 */
export interface ConsultationHooks {
  finalized?: (
    c: pg.PoolClient,
    row: ConsultationRow,
    actor: SessionUser,
  ) => Promise<(() => Promise<void>) | undefined>;
  /** After the commit of a new draft or a finalize (never an autosave): "My work" on the author's devices. */
  changed?: (e: { id: string; operatorId: string; change: 'created' | 'finalized' }) => void;
}

/**
 * The anonymous consultation: saved as the operator types (revision-checked, client-made ids), free text
 * sealed with the record's id, final once finalized and then changed only by signed addenda; every read by
 * someone other than the author goes to the audit log.
 */
export function createConsultationsService(pool: pg.Pool, key: SealKey, hooks: ConsultationHooks = {}) {
  const taxonomies = new Map<string, Taxonomy>();
  const taxonomy = async (q: Queryable, version: string) => {
    const cached = taxonomies.get(version);
    if (cached) return cached;
    const t = Taxonomy.parse(await createConsultationsRepository(q).taxonomyDocument(version));
    taxonomies.set(version, t);
    return t;
  };

  const sealSecret = (id: string, secret: ConsultationSecret) => seal(key, id, JSON.stringify(secret));
  const openSecret = (row: ConsultationRow): ConsultationSecret => {
    if (!row.notes_ciphertext || row.notes_key_version === null) return ConsultationSecret.parse({});
    try {
      return ConsultationSecret.parse(
        JSON.parse(open(key, row.id, row.notes_ciphertext, row.notes_key_version)),
      );
    } catch (err) {
      if (err instanceof UnreadableError)
        throw new AppError(409, 'conflict', `The notes of this record cannot be read: ${err.message}.`);
      throw err;
    }
  };

  async function view(q: Queryable, row: ConsultationRow): Promise<Consultation> {
    const repo = createConsultationsRepository(q);
    const [risk, addenda] = await Promise.all([repo.latestRisk(row.id), repo.addenda(row.id)]);
    const names = await namesOf(q, [risk?.override?.byId, risk?.override?.signedById]);
    const callOffered = row.call_id ? await repo.callOfferedAt(row.call_id) : null;
    return {
      id: row.id,
      reference: row.reference,
      callId: row.call_id,
      channel: row.channel,
      previousId: row.previous_id ?? null,
      followUpId: row.follow_up_id ?? null,
      operator: { id: row.operator_id, displayName: row.operator_name },
      status: row.status,
      revision: row.revision,
      taxonomyVersion: row.taxonomy_version,
      data: row.data,
      secret: openSecret(row),
      // Shredded by retention: the notes are gone (an empty secret), the structured fields stay. A draft written
      // again after its text was shredded has notes again, and shows them.
      notesShreddedAt:
        row.notes_shredded_at && !row.notes_ciphertext ? row.notes_shredded_at.toISOString() : null,
      risk: risk ? toRiskRecord(risk, names, key) : null,
      addenda: addenda.map((a) => ({
        id: a.id,
        author: { id: a.authorId, displayName: a.authorName },
        createdAt: a.createdAt.toISOString(),
        text: a.textCiphertext ? open(key, a.id, a.textCiphertext, a.keyVersion) : '',
        signature: a.signature,
        shreddedAt: a.shreddedAt?.toISOString() ?? null,
      })),
      repeatContacts: row.caller_hash
        ? await repo.priorContacts(row.caller_hash, callOffered ?? row.created_at)
        : 0,
      createdAt: row.created_at.toISOString(),
      updatedAt: row.updated_at.toISOString(),
      finalizedAt: row.finalized_at?.toISOString() ?? null,
    };
  }

  /** Reading: the author, or a role allowed to read any record (audited). */
  async function readable(q: Queryable, id: string, actor: SessionUser, opts: { forUpdate?: boolean } = {}) {
    const row = await createConsultationsRepository(q).find(id, opts);
    if (!row) throw new NotFoundError('That consultation');
    if (row.operator_id !== actor.id && !can(actor.role, 'consultation:read-any')) {
      throw new ForbiddenError('Only its author and supervisors can open this consultation.');
    }
    return row;
  }

  /** A new record's channel must be one of the active taxonomy's (call, call_back, walk_in, message, phone). */
  async function checkChannel(q: Queryable, channel: string): Promise<void> {
    const version = await createConsultationsRepository(q).activeTaxonomyVersion();
    if (!version) return;
    const channels = (await taxonomy(q, version)).channels.map((o) => o.id);
    if (!channels.includes(channel))
      throw new AppError(
        400,
        'invalid_request',
        `The channel "${channel}" is not one of ${channels.join(', ')}; choose one of these.`,
      );
  }

  const audit = (
    q: Queryable,
    actor: SessionUser,
    action: Parameters<typeof writeAudit>[1]['action'],
    id: string,
    details = {},
  ) =>
    writeAudit(q, {
      action,
      actorId: actor.id,
      actorRole: actor.role,
      targetType: 'consultation',
      targetId: id,
      details,
    });

  return {
    view,
    readable,

    async get(id: string, actor: SessionUser): Promise<Consultation> {
      return inTransaction(pool, async (c) => {
        const row = await readable(c, id, actor);
        if (row.operator_id !== actor.id) await audit(c, actor, 'consultation.read', id);
        return view(c, row);
      });
    },

    /**
     * The autosave with the session checked in its one statement (plugins/auth.ts `sessionCheck`): the
     * author's next save on the revision she has, by a live session allowed to write. Undefined: anything
     * else (settle the session as the guard does, then `save`).
     */
    async autosaveInSession(
      id: string,
      body: SaveConsultationBody,
      session: { sessionId: string; idleMinutes: number; roles: readonly string[] },
    ): Promise<{ saved: ConsultationSaved; user: SessionUser; lastSeenAt: Date } | undefined> {
      if (body.baseRevision === 0) return undefined;
      const done = await createConsultationsRepository(pool).updateIfCurrentInSession(id, session, {
        baseRevision: body.baseRevision,
        channel: body.channel,
        data: body.data,
        sealed: sealSecret(id, body.secret),
        keyVersion: key.version,
      });
      if (!done) return undefined;
      const u = done.user;
      return {
        saved: done.saved,
        user: {
          id: u.user_id,
          username: u.username,
          displayName: u.display_name,
          role: u.role as SessionUser['role'],
          locale: u.locale as SessionUser['locale'],
          partnerOrgId: u.partner_org_id,
          mustChangePassword: u.must_change_password,
        },
        lastSeenAt: done.lastSeenAt,
      };
    },

    /**
     * Saves a draft. The common case, the author's next autosave on the revision she has, is one conditional
     * UPDATE that answers with the new revision; everything else (the first save, a retry whose answer was
     * lost, a conflict, a refusal) takes the careful path under the row's lock. The full record is read only
     * when `view` asks for it.
     */
    async save(
      id: string,
      body: SaveConsultationBody,
      actor: SessionUser,
      opts: { view?: boolean } = {},
    ): Promise<{ created: boolean; saved: ConsultationSaved; consultation?: Consultation }> {
      const sealed = sealSecret(id, body.secret);
      if (body.baseRevision > 0 && !opts.view) {
        const fast = await createConsultationsRepository(pool).updateIfCurrent(id, {
          operatorId: actor.id,
          baseRevision: body.baseRevision,
          channel: body.channel,
          data: body.data,
          sealed,
          keyVersion: key.version,
        });
        if (fast) return { created: false, saved: fast };
      }
      const answer = async (c: Queryable, row: ConsultationRow, created: boolean) => ({
        created,
        saved: {
          id: row.id,
          status: 'draft' as const,
          revision: row.revision,
          updatedAt: row.updated_at.toISOString(),
        },
        ...(opts.view ? { consultation: await view(c, row) } : {}),
      });
      const result = await inTransaction(pool, async (c) => {
        const repo = createConsultationsRepository(c);
        let row = await repo.find(id, { forUpdate: true });
        if (!row) {
          if (body.baseRevision !== 0) throw new NotFoundError('That consultation');
          await checkChannel(c, body.channel);
          if (body.callId) {
            // Locked, so two consoles opening the same call's record one after the other see each other.
            const found = await repo.lockCall(body.callId);
            if (!found) throw new AppError(400, 'invalid_request', 'That call does not exist.');
            // A draft on a call opens that caller's history: only the one who took the call records it
            // (supervisors read any consultation already).
            if (found.operatorId !== actor.id && !can(actor.role, 'consultation:read-any'))
              throw new ForbiddenError(
                found.operatorId
                  ? 'Another operator took that call: only she records it.'
                  : 'Take the call first: its consultation is opened when you take it.',
              );
            // One consultation per call (a unique index too): the call's record is opened already.
            // (400, not 409: this route's 409 carries the record to merge, and there is none to merge with.)
            if (await repo.callHasConsultation(body.callId))
              throw new AppError(
                400,
                'invalid_request',
                'This call has its consultation already: open it from "Your call" on the desk.',
              );
          }
          await repo.insert({
            id,
            callId: body.callId ?? null,
            channel: body.channel,
            operatorId: actor.id,
            data: body.data,
            sealed,
            keyVersion: key.version,
          });
          row = await repo.find(id);
          if (!row) throw new Error('inserted consultation not found');
          return answer(c, row, true);
        }
        if (row.operator_id !== actor.id)
          throw new ForbiddenError('Only the author edits a draft; add an addendum once it is final.');
        if (row.status === 'final') {
          throw new RevisionConflictError(
            'This consultation is final and cannot be changed; add an addendum instead.',
            await view(c, row),
          );
        }
        // A retried save whose answer was lost: the record already holds exactly this content.
        if (
          row.revision === body.baseRevision + 1 &&
          row.channel === body.channel &&
          isDeepStrictEqual(ConsultationData.parse(row.data), body.data) &&
          isDeepStrictEqual(openSecret(row), body.secret)
        ) {
          return answer(c, row, false);
        }
        if (row.revision !== body.baseRevision) {
          throw new RevisionConflictError(
            `This draft was saved elsewhere (revision ${row.revision}, yours was based on ${body.baseRevision}). Compare both versions and merge.`,
            await view(c, row),
          );
        }
        await repo.update(id, { channel: body.channel, data: body.data, sealed, keyVersion: key.version });
        const updated = await repo.find(id);
        if (!updated) throw new NotFoundError('That consultation');
        return answer(c, updated, false);
      });
      if (result.created) hooks.changed?.({ id, operatorId: actor.id, change: 'created' });
      return result;
    },

    async finalize(id: string, revision: number, actor: SessionUser): Promise<Consultation> {
      let afterCommit: (() => Promise<void>) | undefined;
      const finalized = await inTransaction(pool, async (c) => {
        const repo = createConsultationsRepository(c);
        const row = await readable(c, id, actor, { forUpdate: true });
        if (row.operator_id !== actor.id)
          throw new ForbiddenError('Only the author finalizes a consultation.');
        if (row.status === 'final')
          throw new RevisionConflictError('This consultation is final already.', await view(c, row));
        if (row.revision !== revision) {
          throw new RevisionConflictError(
            `Save your latest changes first (the record is at revision ${row.revision}).`,
            await view(c, row),
          );
        }
        const issues = finalizeIssues(await taxonomy(c, row.taxonomy_version), row.data);
        if (issues.length > 0) {
          throw new AppError(
            400,
            'incomplete',
            `The consultation cannot be finalized yet: ${issues[0]?.message}`,
            {
              issues: issues.map((i) => ({ path: `data.${i.path}`, message: i.message, code: i.code })),
            },
          );
        }
        await repo.finalize(id);
        await audit(c, actor, 'consultation.finalized', id, { revision });
        const done = await repo.find(id);
        if (!done) throw new NotFoundError('That consultation');
        afterCommit = await hooks.finalized?.(c, done, actor);
        return view(c, done);
      });
      await afterCommit?.();
      hooks.changed?.({ id, operatorId: actor.id, change: 'finalized' });
      return finalized;
    },

    async addAddendum(id: string, text: string, actor: SessionUser): Promise<Consultation> {
      return inTransaction(pool, async (c) => {
        const repo = createConsultationsRepository(c);
        const row = await readable(c, id, actor, { forUpdate: true });
        if (row.status !== 'final')
          throw new ConflictError(
            'This consultation is still a draft: edit it instead of adding an addendum.',
          );
        const addendumId = crypto.randomUUID();
        const createdAt = new Date();
        const signature = createHash('sha256')
          .update(JSON.stringify([id, actor.id, createdAt.toISOString(), text]))
          .digest('hex');
        await repo.insertAddendum({
          id: addendumId,
          consultationId: id,
          authorId: actor.id,
          createdAt,
          sealed: seal(key, addendumId, text),
          keyVersion: key.version,
          signature,
        });
        await audit(c, actor, 'consultation.addendum', id, { addendumId, signature });
        return view(c, row);
      });
    },

    async drafts(actor: SessionUser) {
      const rows = await createConsultationsRepository(pool).drafts(actor.id);
      return rows.map((r) => ({
        id: r.id,
        reference: r.reference,
        callId: r.callId,
        channel: r.channel,
        revision: r.revision,
        contactKind: r.contactKind,
        updatedAt: r.updatedAt.toISOString(),
      }));
    },

    async history(id: string, actor: SessionUser) {
      return inTransaction(pool, async (c) => {
        const row = await readable(c, id, actor);
        if (!row.caller_hash) return [];
        const rows = await createConsultationsRepository(c).history(id, row.caller_hash);
        await audit(c, actor, 'consultation.history_read', id, { entries: rows.length });
        return rows.map((r) => ({
          id: r.id,
          reference: r.reference,
          createdAt: r.createdAt.toISOString(),
          status: r.status,
          contactKind: r.data.contactKind ?? null,
          violenceForms: r.data.violenceForms ?? [],
          riskLevel: r.riskLevel,
          followUp: r.data.followUp ?? {},
          taxonomyVersion: r.taxonomyVersion,
        }));
      });
    },
  };
}
export type ConsultationsService = ReturnType<typeof createConsultationsService>;
