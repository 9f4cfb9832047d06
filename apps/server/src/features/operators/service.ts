import { type Queryable, writeAudit } from '@korgon/db';
import type { OperatorStatus, OperatorView } from '@korgon/domain';
import {
  holdWrapUp,
  type LiveSink,
  operatorViews,
  setBreakOffer,
  setOperatorStatus,
  withQueueTransaction,
} from '@korgon/queue';
import type pg from 'pg';
import { ConflictError, NotFoundError } from '../../errors';
import type { SessionUser } from '../auth/repository';
import { createOperatorsRepository } from './repository';

export type SettableStatus = Extract<OperatorStatus, 'available' | 'break' | 'offline'>;

async function viewOf(q: Queryable, userId: string): Promise<OperatorView> {
  const [view] = await operatorViews(q, [userId]);
  if (!view) throw new NotFoundError('That operator');
  return view;
}

/**
 * Acting on operators' states (docs/board.md, "Acting"): a supervisor sets an operator's state from the board
 * (audited), an operator holds her wrap-up or answers the offer of a short break, and a critical assessment
 * offers one. Every change is a live-queue change: versioned, committed, then pushed as `queue:change`.
 */
export function createOperatorsService(
  pool: pg.Pool,
  sink: LiveSink,
  settings: { breakOfferMinutes: number },
) {
  return {
    /**
     * A supervisor sets an operator's state: available, break or offline. While she is on a call her state
     * follows the call (409), unless that call has left the line or its consultation is final (the PBX never
     * said it ended: the supervisor frees her). A break given while one is offered grants the offered break.
     */
    async setStatusOf(operatorId: string, status: SettableStatus, actor: SessionUser): Promise<OperatorView> {
      return withQueueTransaction(pool, sink, async (client, pending) => {
        const repo = createOperatorsRepository(client);
        const name = (await repo.activeOperator(operatorId))?.displayName;
        if (name === undefined) throw new NotFoundError('That operator');
        const state = await repo.lockState(operatorId);
        const from = state?.status ?? 'offline';
        if (from === status) return viewOf(client, operatorId);
        if (from === 'on_call') {
          const c = state?.callId ? await repo.callWithConsultation(state.callId) : undefined;
          const onLine = c && (c.state === 'waiting' || c.state === 'answered');
          if (onLine && c.consultationStatus !== 'final')
            throw new ConflictError(
              `${name} is on a call: her state follows the call. Set it once the call has ended or its consultation is final.`,
            );
        }
        const grantedBreak = status === 'break' && Boolean(state?.breakOfferedAt);
        await setOperatorStatus(client, pending, operatorId, status, {
          breakMinutes: settings.breakOfferMinutes,
        });
        await writeAudit(client, {
          action: 'operator.status_set',
          actorId: actor.id,
          actorRole: actor.role,
          targetType: 'user',
          targetId: operatorId,
          details: { from, to: status, ...(grantedBreak ? { offeredBreak: true } : {}) },
        });
        return viewOf(client, operatorId);
      });
    },

    /**
     * "I need more time": her wrap-up stops ending by itself; she ends it by choosing available (or a break).
     * Holding a held wrap-up changes nothing.
     */
    async holdWrapUp(user: SessionUser): Promise<OperatorView> {
      return withQueueTransaction(pool, sink, async (client, pending) => {
        if (!(await holdWrapUp(client, pending, user.id))) {
          const view = await viewOf(client, user.id);
          if (view.status !== 'wrap_up')
            throw new ConflictError('You are not in wrap-up: there is nothing to hold.');
          return view;
        }
        return viewOf(client, user.id);
      });
    },

    /** She declines the short break offered to her ("Not now"): her choice, not audited. */
    async declineBreak(user: SessionUser): Promise<OperatorView> {
      return withQueueTransaction(pool, sink, async (client, pending) => {
        await setBreakOffer(client, pending, user.id, false);
        return viewOf(client, user.id);
      });
    },

    /**
     * After a consultation of hers reached a critical level: a short break is offered (her desk asks, kindly;
     * the board shows it). Only people who take calls have a state to carry the offer.
     */
    async offerBreak(userId: string): Promise<void> {
      await withQueueTransaction(pool, sink, async (client, pending) => {
        if (await createOperatorsRepository(client).takesCalls(userId))
          await setBreakOffer(client, pending, userId, true);
      });
    },
  };
}
export type OperatorsService = ReturnType<typeof createOperatorsService>;
