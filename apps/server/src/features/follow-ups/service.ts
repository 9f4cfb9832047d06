import {
  type FollowUpRow,
  followUpRooms,
  followUpRows,
  followUpView,
  inTransaction,
  type Queryable,
  writeAudit,
} from '@korgon/db';
import {
  type AuditAction,
  type ChainEntry,
  type Clock,
  type ConsultationData,
  can,
  type FollowUp,
  type FollowUpList,
  followUpRaiseJob,
  MethodologyAction,
  planFollowUps,
  rooms,
} from '@korgon/domain';
import type { SafeJobs } from '@korgon/jobs';
import { open, type SealKey, seal } from '@korgon/signing';
import type pg from 'pg';
import { z } from 'zod';
import { AppError, ConflictError, ForbiddenError, NotFoundError } from '../../errors';
import type { KorgonIo } from '../../plugins/socket';
import type { SessionUser } from '../auth/repository';
import { createFollowUpsRepository } from './repository';

export interface FollowUpsDeps {
  pool: pg.Pool;
  key: SealKey;
  io: KorgonIo;
  jobs: SafeJobs;
  clock: Clock;
  /** Days before a temporary order expires that its check-in is due (FOLLOW_UP_ORDER_CHECKIN_DAYS). */
  orderCheckinDays: number;
  /** After every change pushed (the board's figures count overdue follow-ups). */
  changed?: () => void;
}

const Actions = z.array(MethodologyAction);

/**
 * Follow-ups (docs/domain.md §10): made in the transaction that finalizes a consultation, raised by their
 * delayed job (the worker), worked from the desk's and the board's worklists, and done by the consultation
 * that a call-back opens. Every change is audited and pushed to the assignee (or the shift) and the
 * supervisors.
 */
export function createFollowUpsService(d: FollowUpsDeps) {
  const { pool, key, clock } = d;
  const reasonAad = (id: string) => `${id}:reason`;
  const openReason = (r: FollowUpRow) =>
    r.reason_sealed && r.key_version !== null
      ? open(key, reasonAad(r.id), r.reason_sealed, r.key_version)
      : null;
  const viewOf = (r: FollowUpRow) => followUpView(r, clock.now(), openReason);

  /** Pushes the follow-ups to their people; `alsoTo`: rooms that must hear too (a previous assignee). */
  async function publish(ids: readonly string[], alsoTo: readonly string[] = []): Promise<FollowUp[]> {
    const views = (await followUpRows(pool, ids)).map(viewOf);
    for (const v of views) d.io.to([...followUpRooms(v), ...alsoTo]).emit('follow-up:changed', v);
    if (views.length > 0) d.changed?.();
    return views;
  }

  const audit = (q: Queryable, actor: SessionUser | null, action: AuditAction, id: string, details = {}) =>
    writeAudit(q, {
      action,
      actorId: actor?.id ?? null,
      actorRole: actor?.role ?? null,
      targetType: 'follow_up',
      targetId: id,
      details,
    });

  /** The row under lock, or a 404; and whether this person may act on it. */
  async function lockedForActor(c: Queryable, id: string, actor: SessionUser) {
    const f = await createFollowUpsRepository(c).lock(id);
    if (!f) throw new NotFoundError('That follow-up');
    if (f.state !== 'due') throw new ConflictError(`This follow-up is ${f.state} already.`);
    if (f.assigneeId && f.assigneeId !== actor.id && !can(actor.role, 'follow-up:manage'))
      throw new ForbiddenError(
        `This follow-up is ${f.assigneeName ?? 'another operator'}'s; a supervisor can hand it over.`,
      );
    return f;
  }

  async function close(
    id: string,
    state: 'missed' | 'cancelled',
    reason: string,
    actor: SessionUser,
  ): Promise<FollowUp> {
    await inTransaction(pool, async (c) => {
      await lockedForActor(c, id, actor);
      await createFollowUpsRepository(c).close(id, {
        state,
        reasonSealed: seal(key, reasonAad(id), reason),
        keyVersion: key.version,
        at: clock.now(),
        by: actor.id,
      });
      await audit(c, actor, state === 'missed' ? 'follow_up.missed' : 'follow_up.cancelled', id);
    });
    const [view] = await publish([id]);
    if (!view) throw new NotFoundError('That follow-up');
    return view;
  }

  return {
    publish,

    /**
     * The finalize hook (in the consultation's transaction): the follow-up this consultation did turns done, and
     * the follow-ups its data asks for are made (once: a consultation's source is unique). Their raise jobs are
     * added after the commit.
     */
    finalized: async (
      c: pg.PoolClient,
      k: { id: string; operator_id: string; data: ConsultationData; follow_up_id: string | null },
      actor: SessionUser,
    ): Promise<() => Promise<void>> => {
      const now = clock.now();
      const repo = createFollowUpsRepository(c);
      const changed: string[] = [];
      if (k.follow_up_id) {
        if (await repo.markDone(k.follow_up_id, { consultationId: k.id, at: now, by: actor.id })) {
          changed.push(k.follow_up_id);
          await audit(c, actor, 'follow_up.done', k.follow_up_id, { consultationId: k.id });
        }
      }
      const assessed = await repo.latestRisk(k.id);
      const planned = planFollowUps({
        data: k.data,
        operatorId: k.operator_id,
        now,
        risk: assessed
          ? { finalLevel: assessed.finalLevel, actions: Actions.catch([]).parse(assessed.actions ?? []) }
          : null,
        orderCheckinDaysBefore: d.orderCheckinDays,
      });
      const made: { id: string; raiseAt: Date }[] = [];
      for (const p of planned) {
        const row = await repo.insertPlanned(k.id, p, actor.id);
        if (!row) continue;
        made.push(row);
        await audit(c, actor, 'follow_up.created', row.id, {
          consultationId: k.id,
          kind: p.kind,
          source: p.source,
          dueAt: p.dueAt.toISOString(),
          raiseAt: p.raiseAt.toISOString(),
          assigneeId: p.assigneeId,
        });
      }
      return async () => {
        await d.jobs.enqueue(made.map((m) => followUpRaiseJob(m.id, m.raiseAt, clock)));
        if (changed.length > 0) await publish(changed);
      };
    },

    /**
     * A worklist: raised and still due (due, then overdue ones by time), then those closed in the last day;
     * `mine` is what is assigned to me, `shift` is what nobody holds (and for supervisors, everyone's).
     */
    async list(actor: SessionUser, scope: 'mine' | 'shift'): Promise<FollowUpList> {
      const now = clock.now();
      const everyone = scope === 'shift' && can(actor.role, 'follow-up:manage');
      // $1 is now; $2 the person, for "mine".
      const who = scope === 'mine' ? 'f.assignee_id = $2' : everyone ? 'true' : 'f.assignee_id IS NULL';
      const params = scope === 'mine' ? [now, actor.id] : [now];
      const { items, upcoming, next } = await createFollowUpsRepository(pool).worklist(who, params);
      return {
        items: items.map((r) => followUpView(r, now, openReason)),
        upcoming,
        upcomingItems: next.map((r) => followUpView(r, now, openReason)),
        at: now.toISOString(),
      };
    },

    /** Takes one of the shift's follow-ups (nobody's yet) for oneself. */
    async take(id: string, actor: SessionUser): Promise<FollowUp> {
      await inTransaction(pool, async (c) => {
        const f = await lockedForActor(c, id, actor);
        if (f.assigneeId === actor.id) return;
        if (f.assigneeId)
          throw new ConflictError(`${f.assigneeName ?? 'Another operator'} holds this follow-up already.`);
        await createFollowUpsRepository(c).setAssignee(id, actor.id);
        await audit(c, actor, 'follow_up.taken', id);
      });
      const [view] = await publish([id]);
      if (!view) throw new NotFoundError('That follow-up');
      return view;
    },

    /**
     * A supervisor hands a follow-up to another operator (or supervisor), or back to the shift (null). Audited
     * with who had it and who has it now; pushed to both and to the board. A call-back already opened by the
     * one who had it must be finished or handed back first: its draft is hers.
     */
    async assign(id: string, assigneeId: string | null, actor: SessionUser): Promise<FollowUp> {
      if (!can(actor.role, 'follow-up:manage'))
        throw new ForbiddenError('Only a supervisor hands a follow-up to someone else.');
      let previous: string | null = null;
      const changed = await inTransaction(pool, async (c) => {
        const repo = createFollowUpsRepository(c);
        const f = await lockedForActor(c, id, actor);
        if (f.assigneeId === assigneeId) return false;
        if (assigneeId) {
          const to = await repo.user(assigneeId);
          if (!to) throw new AppError(400, 'invalid_request', 'That person does not exist; choose another.');
          if (!to.active)
            throw new AppError(
              400,
              'invalid_request',
              `${to.displayName}'s account is deactivated; choose another.`,
            );
          if (!can(to.role, 'follow-up:work'))
            throw new AppError(
              400,
              'invalid_request',
              `${to.displayName} does not work follow-ups; choose an operator or a supervisor.`,
            );
        }
        const open = await repo.openDraft(id);
        if (open)
          throw new ConflictError(
            `${open.displayName} is calling back already (a draft is open); it can be handed over once that draft is finalized.`,
          );
        previous = f.assigneeId;
        await repo.setAssignee(id, assigneeId);
        await audit(c, actor, 'follow_up.assigned', id, { from: f.assigneeId, to: assigneeId });
        return true;
      });
      const was = previous as string | null;
      const [view] = changed
        ? await publish([id], [was ? rooms.user(was) : rooms.role('operator')])
        : (await followUpRows(pool, [id])).map(viewOf);
      if (!view) throw new NotFoundError('That follow-up');
      return view;
    },

    /**
     * Does it: opens (once) a call-back consultation linked to the earlier one, with this follow-up, as a draft
     * of the person who does it; a follow-up of the shift's becomes hers. A retry answers with the same draft.
     */
    async start(
      id: string,
      consultationId: string,
      actor: SessionUser,
    ): Promise<{ consultationId: string; followUp: FollowUp }> {
      const opened = await inTransaction(pool, async (c) => {
        const repo = createFollowUpsRepository(c);
        const f = await lockedForActor(c, id, actor);
        const existing = await repo.openDraft(id);
        if (existing) {
          if (existing.operatorId !== actor.id)
            throw new ConflictError(`${existing.displayName} is calling back already.`);
          return existing.id;
        }
        if (!f.assigneeId) {
          await repo.setAssignee(id, actor.id);
          await audit(c, actor, 'follow_up.taken', id);
        }
        const inserted = await repo.insertCallBack({
          id: consultationId,
          operatorId: actor.id,
          followUpId: id,
          previousId: f.consultationId,
        });
        if (!inserted) throw new ConflictError('That consultation id is in use already; make a new one.');
        await audit(c, actor, 'follow_up.started', id, { consultationId });
        return consultationId;
      });
      const [view] = await publish([id]);
      if (!view) throw new NotFoundError('That follow-up');
      // The call-back's draft is hers: her other consoles list it in "My work".
      d.io.to(rooms.user(actor.id)).emit('my-work:changed', { consultationId: opened, change: 'created' });
      return { consultationId: opened, followUp: view };
    },

    missed: (id: string, reason: string, actor: SessionUser) => close(id, 'missed', reason, actor),
    cancel: (id: string, reason: string, actor: SessionUser) => close(id, 'cancelled', reason, actor),

    /**
     * The caller's anonymous case: every consultation linked to this one through previous_id (earlier and
     * later), oldest first, with risk levels, referrals and follow-ups; never free text, never identity. Every
     * contact in it recorded by someone else is a read of that consultation, audited as one.
     */
    async chain(id: string, actor: SessionUser): Promise<ChainEntry[]> {
      return inTransaction(pool, async (c) => {
        const repo = createFollowUpsRepository(c);
        const author = await repo.consultationAuthor(id);
        if (author === undefined) throw new NotFoundError('That consultation');
        if (author !== actor.id && !can(actor.role, 'consultation:read-any'))
          throw new ForbiddenError('Only its author and supervisors can open this consultation.');
        const rows = await repo.chain(id);
        for (const r of rows)
          if (r.operatorId !== actor.id)
            await writeAudit(c, {
              action: 'consultation.read',
              actorId: actor.id,
              actorRole: actor.role,
              targetType: 'consultation',
              targetId: r.id,
              details: { via: 'chain', from: id },
            });
        const iso = (v: string) => new Date(v).toISOString();
        return rows.map((r) => ({
          id: r.id,
          reference: r.reference,
          previousId: r.previousId,
          followUpKind: r.followUpKind,
          channel: r.channel,
          status: r.status,
          createdAt: r.createdAt.toISOString(),
          finalizedAt: r.finalizedAt?.toISOString() ?? null,
          riskLevel: r.riskLevel,
          current: r.id === id,
          referrals: r.referrals.map((x) => ({
            id: x.id,
            reference: x.reference,
            partner: x.partner,
            status: x.status,
            createdAt: iso(x.created_at),
          })),
          followUps: r.followUps.map((f) => ({
            id: f.id,
            kind: f.kind ?? 'callback',
            state: f.state as ChainEntry['followUps'][number]['state'],
            dueAt: iso(f.due_at),
          })),
        }));
      });
    },
  };
}
export type FollowUpsService = ReturnType<typeof createFollowUpsService>;
