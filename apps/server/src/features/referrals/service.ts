import { inTransaction, type Queryable, writeAudit } from '@korgon/db';
import {
  ConsentExceptionKind,
  type CreateReferralBody,
  can,
  deliveryJob,
  type JobRequest,
  jobIds,
  type PartnerAction,
  partnerTypesCalledFor,
  type Referral,
  ReferralField,
  redirectableFrom,
  referralContent,
  SETTLEMENTS,
  Settlement,
  statusesFrom,
} from '@korgon/domain';
import type { SafeJobs } from '@korgon/jobs';
import {
  escalationDeadline,
  exceptionReasonOf,
  partnerView,
  REJECTION_NOTE,
  type ReferralPush,
  type ReferralViewRow,
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
import { AppError, ConflictError, ForbiddenError, isUniqueViolation, NotFoundError } from '../../errors';
import type { SessionUser } from '../auth/repository';
import { type AssessedRisk, createReferralsRepository, type ReferralConsultation } from './repository';

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
      if (r.status !== 'queued' && (r.status !== 'revoked' || r.deliveredAt))
        push.partner(r.partnerOrgId, partnerView(key, r));
    return views;
  }

  async function publish(ids: string[]) {
    pushRows(await staffViewRows(pool, ids));
  }

  async function view(id: string): Promise<Referral | undefined> {
    const [found] = await staffViews(pool, key, [id]);
    return found;
  }

  /** The consultation referred from, with its latest risk assessment; only its author or a supervisor refers. */
  async function consultationFor(
    q: Queryable,
    id: string,
    actor: SessionUser,
  ): Promise<ReferralConsultation & { risk: AssessedRisk | undefined }> {
    const repo = createReferralsRepository(q);
    const k = await repo.consultation(id);
    if (!k) throw new NotFoundError('That consultation');
    if (k.operatorId !== actor.id && !can(actor.role, 'referral:manage'))
      throw new ForbiddenError('Only the consultation’s author or a supervisor refers from it.');
    return { ...k, risk: await repo.latestRisk(id) };
  }

  async function insert(
    c: pg.PoolClient,
    body: CreateReferralBody,
    k: { data: ReferralConsultation['data']; risk: AssessedRisk | undefined },
    actor: SessionUser,
    after: JobRequest[],
    createdBy: string = actor.id,
  ) {
    const repo = createReferralsRepository(c);
    const partner = await repo.partner(body.partnerId);
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
    // The same rule the console's preview shows: only the chosen fields (the message is sealed apart).
    const content = referralContent(body.fields, k.data, k.risk?.finalLevel ?? null);
    await repo.insert(
      {
        id: body.id,
        consultationId: body.consultationId,
        partnerOrgId: body.partnerId,
        urgency: body.urgency,
        consentBasis: exception ? null : 'caller_consent',
        consentException: exception?.exception ?? null,
        // The exception's reason is free text: sealed like the message, never stored in clear.
        consentExceptionReasonSealed: exception?.reason
          ? seal(key, `${body.id}:exception`, exception.reason)
          : null,
        fields: body.fields,
        content,
        messageSealed: body.message ? seal(key, `${body.id}:message`, body.message) : null,
        keyVersion: key.version,
        createdBy,
      },
      actor.id,
    );
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
    ): Promise<{ created: boolean; referral: Referral | undefined }> {
      const [existing] = await referralRows(pool, [body.id]);
      if (existing) {
        // A retried send: the same referral, never a second one.
        if (existing.consultationId !== body.consultationId || existing.partnerOrgId !== body.partnerId) {
          throw new ConflictError('That referral id is in use for another referral; make a new id.');
        }
        return { created: false, referral: await view(body.id) };
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
        // The same send, committed meanwhile by its concurrent twin.
        if (isUniqueViolation(err)) return { created: false, referral: await view(body.id) };
        throw err;
      }
      // Pushed before its job is added, then the job: nothing stands between the commit and the add. One sent
      // under a consent exception raises the supervisors' consent_exception alert (the push kicks the sync).
      const [referral] = pushRows(rows);
      await jobs.enqueue(after);
      return { created: true, referral };
    },

    async list(consultationId: string, actor: SessionUser): Promise<Referral[]> {
      await consultationFor(pool, consultationId, actor);
      return staffViews(pool, key, await createReferralsRepository(pool).idsOfConsultation(consultationId));
    },

    async open(): Promise<Referral[]> {
      return staffViews(pool, key, await createReferralsRepository(pool).openIds());
    },

    async get(id: string, actor: SessionUser): Promise<Referral> {
      const found = await view(id);
      if (!found) throw new NotFoundError('That referral');
      if (found.createdBy.id !== actor.id && !can(actor.role, 'referral:manage'))
        throw new ForbiddenError('Only its author and supervisors see this referral.');
      return found;
    },

    async suggestions(consultationId: string, actor: SessionUser) {
      const k = await consultationFor(pool, consultationId, actor);
      return suggestPartners(pool, {
        region: k.data.survivor.region ?? null,
        // What the assessment's own methodology version calls for at its level, not the current version's.
        types: k.risk ? partnerTypesCalledFor(k.risk.actions, k.risk.finalLevel) : [],
      });
    },

    /** Revoke (the operator), or retry a failed one (the author or a supervisor). */
    async staffAction(id: string, action: 'revoke' | 'retry', actor: SessionUser): Promise<Referral> {
      const current = await this.get(id, actor);
      await inTransaction(pool, async (c) => {
        if (action === 'revoke') {
          const moved = await transition(c, id, 'revoked', {
            from: statusesFrom('revoked'),
            actorId: actor.id,
          });
          if (!moved) throw new ConflictError(`A ${current.status} referral cannot be revoked.`);
        } else {
          const moved = await transition(c, id, 'queued', {
            from: statusesFrom('queued'),
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
      else await jobs.replace(deliveryJob(id, current.urgency, maxAttempts));
      return this.get(id, actor);
    },

    /** Send the same referral to another partner; the first is revoked. */
    async redirect(id: string, partnerId: string, newId: string, actor: SessionUser): Promise<Referral> {
      const [old] = await referralRows(pool, [id]);
      if (!old) throw new NotFoundError('That referral');
      if (old.createdBy !== actor.id && !can(actor.role, 'referral:manage'))
        throw new ForbiddenError('Only its author and supervisors redirect a referral.');
      const after: JobRequest[] = [];
      await inTransaction(pool, async (c) => {
        const moved = await transition(c, id, 'revoked', {
          from: redirectableFrom(),
          actorId: actor.id,
          note: 'redirected',
        });
        if (!moved) throw new ConflictError(`A ${old.status} referral cannot be redirected.`);
        const repo = createReferralsRepository(c);
        const k = await repo.consultation(old.consultationId);
        if (!k) throw new NotFoundError('That referral’s consultation');
        const consent = old.consentException
          ? {
              exception: ConsentExceptionKind.parse(old.consentException),
              reason: exceptionReasonOf(key, old) ?? 'as before',
            }
          : { basis: 'caller_consent' as const };
        await insert(
          c,
          {
            id: newId,
            consultationId: old.consultationId,
            partnerId,
            urgency: old.urgency,
            consent,
            // As chosen for the first partner (a field no longer offered is not sent).
            fields: old.fields.filter((f): f is ReferralField => ReferralField.safeParse(f).success),
          },
          { data: k.data, risk: await repo.latestRisk(old.consultationId) },
          actor,
          after,
          old.createdBy,
        );
        if (old.messageSealed)
          await repo.setMessage(
            newId,
            seal(key, `${newId}:message`, partnerView(key, old).content.message ?? ''),
          );
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
    ): Promise<ReferralViewRow | undefined> {
      const [r] = await referralRows(pool, [id]);
      if (!r || (o.partnerOrgId && r.partnerOrgId !== o.partnerOrgId))
        throw new NotFoundError('That referral');
      if (r.status === action) return r;
      const from = statusesFrom(action);
      await inTransaction(pool, async (c) => {
        const set: Record<string, unknown> = {};
        // A referral sealed under an older key (a rotation the re-encryption job has not reached yet): its texts
        // move to the current key with the one written now, since they share one key_version.
        if ((action === 'rejected' && o.reason) || o.outcome) {
          const sealedNow = await createReferralsRepository(c).sealedTextsForUpdate(id);
          if (sealedNow) Object.assign(set, resealReferralTexts(key, sealedNow));
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
      const [after] = await referralRows(pool, [id]);
      return after;
    },
  };
}
export type ReferralsService = ReturnType<typeof createReferralsService>;
