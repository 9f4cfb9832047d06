import { inTransaction, writeAudit } from '@korgon/db';
import {
  ConsultationData,
  type CreateReferralBody,
  can,
  deliveryJob,
  type JobRequest,
  jobIds,
  KG_HOTLINE_RISK_0_1,
  PARTNER_TRANSITIONS,
  type PartnerAction,
  type Referral,
  type ReferralContent,
  type ReferralStatus,
  SETTLEMENTS,
  Settlement,
} from '@korgon/domain';
import type { SafeJobs } from '@korgon/jobs';
import {
  escalationDeadline,
  exceptionReasonOf,
  partnerView,
  REFERRAL_SEALED_COLUMNS,
  REJECTION_NOTE,
  type ReferralPush,
  type ReferralRow,
  type ReferralSealedColumn,
  referralRows,
  resealReferralTexts,
  type StaffViewRow,
  staffViewOf,
  staffViewRows,
  staffViews,
  suggestPartners,
  transition,
} from '@korgon/referrals';
import { type SealKey, seal } from '@korgon/signing';
import type pg from 'pg';
import { AppError, ConflictError, ForbiddenError, NotFoundError } from '../../errors';
import type { SessionUser } from '../auth/repository';

type Q = Pick<pg.PoolClient, 'query'>;

/** Only the chosen fields, taken from the coarse record: the partner receives nothing else. */
export function buildContent(
  fields: readonly string[],
  d: ConsultationData,
  riskLevel: string | null,
): ReferralContent {
  const c: ReferralContent = {};
  const has = (f: string) => fields.includes(f);
  if (has('region') && d.survivor.region) c.region = d.survivor.region;
  const settlement = Settlement.safeParse(d.survivor.settlement);
  if (has('settlement') && settlement.success) c.settlement = settlement.data;
  if (has('ageBand') && d.survivor.ageBand) c.ageBand = d.survivor.ageBand;
  if (has('gender') && d.survivor.gender) c.gender = d.survivor.gender;
  if (has('language') && d.survivor.language) c.language = d.survivor.language;
  if (has('violenceForms')) c.violenceForms = d.violenceForms;
  if (has('childrenAffected') && d.childrenAffected) c.childrenAffected = d.childrenAffected;
  if (has('riskLevel') && riskLevel) c.riskLevel = riskLevel;
  if (has('safeContact')) c.safeContact = { ...d.safeContact };
  return c;
}

/** Partner types the methodology's actions call for at a level (e.g. high → police, crisis centre, shelter …). */
function typesCalledFor(level: string | null): string[] {
  if (!level) return [];
  const actions =
    (KG_HOTLINE_RISK_0_1.actions as Record<string, { referTo?: readonly string[] }[]>)[level] ?? [];
  return [...new Set(actions.flatMap((a) => a.referTo ?? []))];
}

/**
 * Referrals from a consultation to partner organisations: committed in PostgreSQL, then their delivery (and,
 * when urgent, escalation) job added to BullMQ; moved through their lifecycle by the worker and by partners,
 * pushed live at every change. When Redis is away the referral is still saved, and the worker's reconciler
 * adds its jobs once Redis answers (ADR 0002).
 */
export function createReferralsService(
  pool: pg.Pool,
  key: SealKey,
  push: ReferralPush,
  jobs: SafeJobs,
  maxAttempts: number,
) {
  /** An acknowledged, revoked or redirected referral: its escalation (and a delivery not begun) are off. */
  const cancelJobs = (id: string, delivery: boolean) =>
    Promise.all([
      jobs.remove('referral.escalate', [jobIds.escalate(id)]),
      delivery ? jobs.remove('referral.deliver', [jobIds.deliver(id)]) : undefined,
    ]);

  /** Pushes rows read by staffViewRows: the staff's view, and the partner's once the partner has it. */
  function pushRows(rows: readonly StaffViewRow[]): Referral[] {
    const views = rows.map((r) => staffViewOf(key, r));
    for (const v of views) push.staff(v, v.createdBy.id);
    for (const r of rows)
      if (r.status !== 'queued' && (r.status !== 'revoked' || r.delivered_at))
        push.partner(r.partner_org_id, partnerView(key, r));
    return views;
  }

  async function publish(ids: string[]) {
    pushRows(await staffViewRows(pool, ids));
  }

  async function consultationFor(q: Q, id: string, actor: SessionUser) {
    const { rows } = await q.query<{
      id: string;
      operator_id: string;
      data: ConsultationData;
      risk_level: string | null;
    }>(
      `SELECT k.id, k.operator_id, k.data,
              (SELECT r.final_level FROM risk_assessments r WHERE r.consultation_id = k.id ORDER BY r.created_at DESC LIMIT 1) AS risk_level
         FROM consultations k WHERE k.id = $1`,
      [id],
    );
    const found = rows[0];
    if (!found) throw new NotFoundError('That consultation');
    const k = { ...found, data: ConsultationData.parse(found.data) };
    if (k.operator_id !== actor.id && !can(actor.role, 'referral:manage'))
      throw new ForbiddenError('Only the consultation’s author or a supervisor refers from it.');
    return k;
  }

  async function insert(
    c: Q,
    body: CreateReferralBody,
    k: { data: ConsultationData; risk_level: string | null },
    actor: SessionUser,
    after: JobRequest[],
    createdBy: string = actor.id,
  ) {
    const { rows: partners } = await c.query<{ id: string; type: string; active: boolean }>(
      'SELECT id, type, active FROM partner_orgs WHERE id = $1',
      [body.partnerId],
    );
    const partner = partners[0];
    if (!partner?.active)
      throw new AppError(
        400,
        'invalid_request',
        'That partner organisation does not exist or is not active.',
        { issues: [{ path: 'body.partnerId', message: 'not an active partner' }] },
      );
    const exception = 'exception' in body.consent ? body.consent : null;
    if (!exception && k.data.consent.referral !== 'yes') {
      throw new AppError(
        400,
        'invalid_request',
        'The caller has not consented to a referral. Record her consent in the consultation, or record an exception (a child at risk, imminent danger) with its reason.',
        {
          issues: [{ path: 'body.consent', message: 'no consent recorded in the consultation' }],
        },
      );
    }
    // The record's settlement must be one of the taxonomy's choices before it goes to a partner: a draft saved
    // through the API may hold any text there (checked only when it is finalized), even an address.
    const settlement = k.data.survivor.settlement;
    if (
      body.fields.includes('settlement') &&
      settlement !== undefined &&
      !Settlement.safeParse(settlement).success
    )
      throw new AppError(
        400,
        'invalid_request',
        `The consultation's settlement is not one of the choices (${SETTLEMENTS.join(', ')}). Choose it again in the consultation, or do not send settlement.`,
        {
          issues: [
            {
              path: 'body.fields',
              message: `settlement: the consultation's value is not one of ${SETTLEMENTS.join(', ')}`,
              code: 'unknown_option',
            },
          ],
        },
      );
    const content = buildContent(body.fields, k.data, k.risk_level);
    await c.query(
      `INSERT INTO referrals (id, consultation_id, partner_org_id, urgency, status, consent_basis, consent_exception, consent_exception_reason_sealed,
                              fields, content, message_sealed, key_version, created_by)
       VALUES ($1, $2, $3, $4, 'queued', $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        body.id,
        body.consultationId,
        body.partnerId,
        body.urgency,
        exception ? null : 'caller_consent',
        exception?.exception ?? null,
        // The exception's reason is free text: sealed like the message, never stored in clear.
        exception?.reason ? seal(key, `${body.id}:exception`, exception.reason) : null,
        body.fields,
        JSON.stringify(content),
        body.message ? seal(key, `${body.id}:message`, body.message) : null,
        key.version,
        createdBy,
      ],
    );
    await c.query(`INSERT INTO referral_events (referral_id, status, actor_id) VALUES ($1, 'queued', $2)`, [
      body.id,
      actor.id,
    ]);
    after.push(deliveryJob(body.id, body.urgency, maxAttempts));
    if (body.urgency === 'urgent') after.push(await escalationDeadline(c, body.id, partner.type));
    await writeAudit(c, {
      action: 'referral.created',
      actorId: actor.id,
      actorRole: actor.role,
      targetType: 'referral',
      targetId: body.id,
      details: { partnerId: body.partnerId, urgency: body.urgency, fields: body.fields },
    });
    if (exception) {
      await writeAudit(c, {
        action: 'referral.consent_exception',
        actorId: actor.id,
        actorRole: actor.role,
        targetType: 'referral',
        targetId: body.id,
        details: { exception: exception.exception },
      });
    }
    return exception;
  }

  return {
    publish,

    async create(
      body: CreateReferralBody,
      actor: SessionUser,
    ): Promise<{ created: boolean; referral: Referral }> {
      const existing = await referralRows(pool, [body.id]);
      if (existing[0]) {
        // A retried send: the same referral, never a second one.
        if (
          existing[0].consultation_id !== body.consultationId ||
          existing[0].partner_org_id !== body.partnerId
        ) {
          throw new ConflictError('That referral id is in use for another referral; make a new id.');
        }
        return { created: false, referral: (await staffViews(pool, key, [body.id]))[0] as Referral };
      }
      const after: JobRequest[] = [];
      let rows: StaffViewRow[] = [];
      try {
        await inTransaction(pool, async (c) => {
          await insert(c, body, await consultationFor(c, body.consultationId, actor), actor, after);
          // Read as it commits ('queued'), so that neither the answer nor the push can show it older than
          // what the worker pushes once its job runs.
          rows = await staffViewRows(c, [body.id]);
        });
      } catch (err) {
        if ((err as { code?: string }).code === '23505')
          return { created: false, referral: (await staffViews(pool, key, [body.id]))[0] as Referral };
        throw err;
      }
      // Pushed before its job is added, then the job: nothing stands between the commit and the add. One sent
      // under a consent exception raises the supervisors' consent_exception alert (the push kicks the sync).
      const [referral] = pushRows(rows) as [Referral];
      await jobs.enqueue(after);
      return { created: true, referral };
    },

    async list(consultationId: string, actor: SessionUser): Promise<Referral[]> {
      await consultationFor(pool, consultationId, actor);
      const { rows } = await pool.query<{ id: string }>(
        'SELECT id FROM referrals WHERE consultation_id = $1 ORDER BY created_at',
        [consultationId],
      );
      return staffViews(
        pool,
        key,
        rows.map((r) => r.id),
      );
    },

    async open(): Promise<Referral[]> {
      const { rows } = await pool.query<{ id: string }>(
        `SELECT id FROM referrals WHERE status NOT IN ('done', 'revoked', 'rejected') ORDER BY (urgency = 'urgent') DESC, created_at LIMIT 500`,
      );
      return staffViews(
        pool,
        key,
        rows.map((r) => r.id),
      );
    },

    async get(id: string, actor: SessionUser): Promise<Referral> {
      const [view] = await staffViews(pool, key, [id]);
      if (!view) throw new NotFoundError('That referral');
      if (view.createdBy.id !== actor.id && !can(actor.role, 'referral:manage'))
        throw new ForbiddenError('Only its author and supervisors see this referral.');
      return view;
    },

    async suggestions(consultationId: string, actor: SessionUser) {
      const k = await consultationFor(pool, consultationId, actor);
      return suggestPartners(pool, {
        region: k.data.survivor.region ?? null,
        types: typesCalledFor(k.risk_level),
      });
    },

    /** Revoke (the operator), or retry a failed one (the author or a supervisor). */
    async staffAction(id: string, action: 'revoke' | 'retry', actor: SessionUser): Promise<Referral> {
      const view = await this.get(id, actor);
      await inTransaction(pool, async (c) => {
        if (action === 'revoke') {
          const moved = await transition(c, id, 'revoked', {
            from: ['queued', 'sent', 'delivered', 'acknowledged', 'accepted', 'failed', 'escalated'],
            actorId: actor.id,
          });
          if (!moved) throw new ConflictError(`A ${view.status} referral cannot be revoked.`);
        } else {
          const moved = await transition(c, id, 'queued', {
            from: ['failed'],
            actorId: actor.id,
            set: { last_error: null },
          });
          if (!moved) throw new ConflictError('Only a failed referral can be retried.');
        }
        await writeAudit(c, {
          action: action === 'revoke' ? 'referral.revoked' : 'referral.retried',
          actorId: actor.id,
          actorRole: actor.role,
          targetType: 'referral',
          targetId: id,
        });
      });
      await publish([id]);
      if (action === 'revoke') await cancelJobs(id, true);
      else await jobs.replace(deliveryJob(id, view.urgency, maxAttempts));
      return this.get(id, actor);
    },

    /** Send the same referral to another partner; the first is revoked. */
    async redirect(id: string, partnerId: string, newId: string, actor: SessionUser): Promise<Referral> {
      const rows = await referralRows(pool, [id]);
      const old = rows[0];
      if (!old) throw new NotFoundError('That referral');
      if (old.created_by !== actor.id && !can(actor.role, 'referral:manage'))
        throw new ForbiddenError('Only its author and supervisors redirect a referral.');
      const after: JobRequest[] = [];
      await inTransaction(pool, async (c) => {
        const moved = await transition(c, id, 'revoked', {
          from: ['queued', 'sent', 'delivered', 'failed', 'escalated'],
          actorId: actor.id,
          note: 'redirected',
        });
        if (!moved) throw new ConflictError(`A ${old.status} referral cannot be redirected.`);
        const { rows: ks } = await c.query<{ data: ConsultationData; risk_level: string | null }>(
          `SELECT k.data, (SELECT r.final_level FROM risk_assessments r WHERE r.consultation_id = k.id ORDER BY r.created_at DESC LIMIT 1) AS risk_level
             FROM consultations k WHERE k.id = $1`,
          [old.consultation_id],
        );
        const consent = old.consent_exception
          ? {
              exception: old.consent_exception as 'child_at_risk',
              reason: exceptionReasonOf(key, old) ?? 'as before',
            }
          : { basis: 'caller_consent' as const };
        await insert(
          c,
          {
            id: newId,
            consultationId: old.consultation_id,
            partnerId,
            urgency: old.urgency,
            consent,
            fields: old.fields as CreateReferralBody['fields'],
          },
          { data: ConsultationData.parse(ks[0]?.data ?? {}), risk_level: ks[0]?.risk_level ?? null },
          actor,
          after,
          old.created_by,
        );
        if (old.message_sealed)
          await c.query('UPDATE referrals SET message_sealed = $2 WHERE id = $1', [
            newId,
            seal(key, `${newId}:message`, (partnerView(key, old).content.message as string) ?? ''),
          ]);
        await writeAudit(c, {
          action: 'referral.redirected',
          actorId: actor.id,
          actorRole: actor.role,
          targetType: 'referral',
          targetId: id,
          details: { to: newId, partnerId },
        });
      });
      await publish([id, newId]);
      await cancelJobs(id, true);
      await jobs.enqueue(after);
      return this.get(newId, actor);
    },

    /** A partner acts on a referral: from the portal, its signed callback, or the e-mail link. */
    async partnerAct(
      id: string,
      action: PartnerAction,
      o: {
        partnerOrgId?: string;
        actorId?: string | null;
        actor?: string;
        reason?: string;
        outcome?: string;
      },
    ): Promise<ReferralRow> {
      const rows = await referralRows(pool, [id]);
      const r = rows[0];
      if (!r || (o.partnerOrgId && r.partner_org_id !== o.partnerOrgId))
        throw new NotFoundError('That referral');
      if (r.status === action) return r;
      const from = (Object.keys(PARTNER_TRANSITIONS) as ReferralStatus[]).filter((s) =>
        PARTNER_TRANSITIONS[s]?.includes(action),
      );
      await inTransaction(pool, async (c) => {
        const set: Record<string, unknown> = {};
        // A referral sealed under an older key (a rotation the re-encryption job has not reached yet): its texts
        // move to the current key with the one written now, since they share one key_version.
        if ((action === 'rejected' && o.reason) || o.outcome) {
          const { rows: sealedNow } = await c.query<
            { id: string; key_version: number | null } & Record<ReferralSealedColumn, Buffer | null>
          >(
            `SELECT id, key_version, ${REFERRAL_SEALED_COLUMNS.map(([col]) => col).join(', ')}
               FROM referrals WHERE id = $1 FOR UPDATE`,
            [id],
          );
          if (sealedNow[0]) Object.assign(set, resealReferralTexts(key, sealedNow[0]));
        }
        // Free text is sealed (docs/domain.md, privacy); the event records only that a reason was given.
        if (action === 'rejected' && o.reason)
          set.rejection_reason_sealed = seal(key, `${id}:rejection`, o.reason);
        if (o.outcome) set.outcome_sealed = seal(key, `${id}:outcome`, o.outcome);
        if (action === 'acknowledged' || action === 'accepted' || action === 'rejected')
          set.ack_token_hash = null;
        const moved = await transition(c, id, action, {
          from,
          actorId: o.actorId ?? null,
          actor: o.actor ?? null,
          note: o.reason ? REJECTION_NOTE : null,
          set,
        });
        if (!moved) throw new ConflictError(`A ${r.status} referral cannot become ${action}.`);
        await writeAudit(c, {
          action: 'referral.status_changed',
          actorId: o.actorId ?? null,
          actorRole: o.actorId ? 'partner' : null,
          targetType: 'referral',
          targetId: id,
          details: { to: action, via: o.actor ?? 'portal' },
        });
      });
      await cancelJobs(id, false);
      await publish([id]);
      return (await referralRows(pool, [id]))[0] as ReferralRow;
    },
  };
}
export type ReferralsService = ReturnType<typeof createReferralsService>;
