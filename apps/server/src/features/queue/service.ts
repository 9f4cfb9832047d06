import { writeAudit } from '@korgon/db';
import {
  type CallOutcomes,
  GIVABLE_OPERATOR_STATUSES,
  type OperatorStatus,
  type QueueCall,
  type QueueSnapshot,
} from '@korgon/domain';
import {
  activeCalls,
  assignCall,
  type CallLimits,
  callOutcomes,
  callViews,
  claimWaitingCall,
  type LiveSink,
  lockCall,
  openCallConsultation,
  operatorViews,
  renewLostDeadlines,
  setOperatorStatus,
  withQueueTransaction,
} from '@korgon/queue';
import type pg from 'pg';
import { AppError, ConflictError, ForbiddenError, NotFoundError } from '../../errors';
import type { SessionUser } from '../auth/repository';
import { createQueueRepository, inSnapshot } from './repository';

const STATE_PHRASE: Record<OperatorStatus, string> = {
  available: 'available',
  on_call: 'on another call',
  wrap_up: 'in wrap-up',
  break: 'on a break',
  offline: 'offline',
};

/** The live queue: snapshots, taking a call (exactly one operator wins, decided in PostgreSQL), states. */
export function createQueueService(
  pool: pg.Pool,
  sink: LiveSink,
  limits: CallLimits,
  settings: { breakOfferMinutes: number },
) {
  return {
    /** Version, calls and operators read in one consistent snapshot. */
    async snapshot(): Promise<QueueSnapshot> {
      return inSnapshot(pool, async (client) => {
        const state = await createQueueRepository(client).versionAndTime();
        const calls = await activeCalls(client);
        const operators = await operatorViews(client);
        return {
          version: Number(state?.version ?? 0),
          serverTime: (state?.now ?? new Date()).toISOString(),
          calls,
          operators,
          breakOfferMinutes: settings.breakOfferMinutes,
        };
      });
    },

    /**
     * Takes a waiting call for `user` and opens its consultation draft. Concurrent takers serialise on the
     * call's row: the first UPDATE wins, every other one finds it taken and gets 409.
     */
    async claim(
      callId: string,
      user: SessionUser,
      consultationId?: string,
    ): Promise<{ call: QueueCall; consultationId: string }> {
      const id = consultationId ?? crypto.randomUUID();
      return withQueueTransaction(pool, sink, async (client, pending) => {
        if (!(await claimWaitingCall(client, callId, user.id))) {
          const existing = (await callViews(client, [callId])).get(callId);
          if (!existing) throw new NotFoundError('That call');
          if (existing.takenBy)
            throw new ConflictError(`${existing.takenBy.displayName} has already taken this call.`);
          throw new ConflictError(`This call is no longer waiting (it is ${existing.state}).`);
        }
        if (await createQueueRepository(client).consultationExists(id))
          throw new ConflictError('That consultation id is in use already; make a new one.');
        // One draft per call: a waiting call has none yet, unless one was opened for it before it was taken.
        const draft = await openCallConsultation(client, callId, user.id, id);
        if (draft.operatorId !== user.id)
          throw new ConflictError('This call has a consultation by someone else already.');
        await setOperatorStatus(client, pending, user.id, 'on_call', { callId });
        await renewLostDeadlines(client, pending, [callId], limits);
        pending.calls.add(callId);
        const call = (await callViews(client, [callId])).get(callId);
        if (!call) throw new NotFoundError('That call');
        return { call: { ...call, consultationId: draft.id }, consultationId: draft.id };
      });
    },

    /**
     * Opens the consultation draft of a call the user has (taken in the console, answered at her extension,
     * or assigned to her): one per call, so a second console or tab gets the same one.
     */
    async openConsultation(
      callId: string,
      user: SessionUser,
    ): Promise<{ call: QueueCall; consultationId: string; created: boolean }> {
      return withQueueTransaction(pool, sink, async (client, pending) => {
        const row = await lockCall(client, callId);
        if (!row) throw new NotFoundError('That call');
        if (row.operatorId !== user.id)
          throw new ForbiddenError(
            row.operatorId
              ? 'Another operator has this call: only she records it.'
              : 'This call is not yours: take it first, or ask a supervisor to assign it to you.',
          );
        const draft = await openCallConsultation(client, callId, user.id);
        if (draft.operatorId !== user.id)
          throw new ConflictError('This call has a consultation by someone else already.');
        if (draft.created) pending.calls.add(callId);
        const call = (await callViews(client, [callId])).get(callId);
        if (!call) throw new NotFoundError('That call');
        return { call, consultationId: draft.id, created: draft.created };
      });
    },

    /**
     * A supervisor gives a call to an operator: a waiting call nobody has taken (it becomes hers as if she had
     * taken it; she must be free for it: available or in wrap-up), or a call answered at an extension nobody
     * holds (she answered it). Either way she is on call with its consultation draft opened, the call names
     * who gave it (her desk says so), and it is audited and pushed like any change.
     */
    async assign(callId: string, operatorId: string, actor: SessionUser): Promise<QueueCall> {
      return withQueueTransaction(pool, sink, async (client, pending) => {
        const repo = createQueueRepository(client);
        const target = await repo.activeUser(operatorId);
        const role = target?.role;
        const name = target?.displayName ?? '';
        if (role !== 'operator' && role !== 'supervisor')
          throw new AppError(400, 'invalid_request', 'Choose an active operator to give the call to.');
        // The call's row first, then her state: the same order as a claim, so the two never deadlock.
        const row = await lockCall(client, callId);
        if (!row) throw new NotFoundError('That call');
        if (row.operatorId) throw new ConflictError(`${row.holder ?? 'Someone'} has this call already.`);
        if (row.state !== 'answered' && row.state !== 'waiting')
          throw new ConflictError(
            `Only a waiting call, or one answered at an unknown extension, can be given to an operator (this one is ${row.state}).`,
          );
        let fromStatus: OperatorStatus = 'offline';
        if (row.state === 'waiting') {
          fromStatus = (await repo.lockOperatorStatus(operatorId)) ?? 'offline';
          if (!GIVABLE_OPERATOR_STATUSES.includes(fromStatus))
            throw new ConflictError(
              `${name} is ${STATE_PHRASE[fromStatus]}: give the call to someone available (or in wrap-up).`,
            );
        }
        await assignCall(client, callId, operatorId, actor.id);
        const draft = await openCallConsultation(client, callId, operatorId);
        if (draft.operatorId !== operatorId)
          throw new ConflictError('This call has a consultation by someone else already.');
        await setOperatorStatus(client, pending, operatorId, 'on_call', { callId });
        await renewLostDeadlines(client, pending, [callId], limits);
        await writeAudit(client, {
          action: 'call.assigned',
          actorId: actor.id,
          actorRole: actor.role,
          targetType: 'call',
          targetId: callId,
          details: {
            operatorId,
            callState: row.state,
            extension: row.extension,
            consultationId: draft.id,
            ...(row.state === 'waiting' ? { operatorState: fromStatus } : {}),
          },
        });
        pending.calls.add(callId);
        const call = (await callViews(client, [callId])).get(callId);
        if (!call) throw new NotFoundError('That call');
        return call;
      });
    },

    /**
     * Outcomes of the calls offered since `since` (default: midnight in Bishkek today), lost counted apart from
     * answered and abandoned.
     */
    async outcomes(since?: Date): Promise<CallOutcomes> {
      const counts = await callOutcomes(pool, since ?? null);
      return { ...counts, since: counts.since.toISOString() };
    },

    async setStatus(
      user: SessionUser,
      status: OperatorStatus,
      opts: { onlyIf?: OperatorStatus[] } = {},
    ): Promise<boolean> {
      if (status === 'on_call' || status === 'wrap_up') {
        throw new AppError(
          400,
          'invalid_request',
          'On call and wrap-up follow the calls; choose available, break or offline.',
        );
      }
      return withQueueTransaction(pool, sink, (client, pending) =>
        setOperatorStatus(client, pending, user.id, status, {
          ...opts,
          breakMinutes: settings.breakOfferMinutes,
        }),
      );
    },
  };
}
export type QueueService = ReturnType<typeof createQueueService>;
