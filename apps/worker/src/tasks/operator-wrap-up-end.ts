import type { JobData } from '@korgon/domain';
import { endWrapUp, type LiveSink, withQueueTransaction } from '@korgon/queue';
import type pg from 'pg';

/**
 * The end of an operator's after-call work (a delayed job added when the wrap-up began): available again,
 * unless they already moved on, or a later wrap-up began (the payload names the one it ends).
 */
export function operatorWrapUpEnd(pool: pg.Pool, sink: LiveSink) {
  return async ({ userId, since }: JobData<'operator.wrap-up-end'>): Promise<void> => {
    await withQueueTransaction(pool, sink, (client, pending) => endWrapUp(client, pending, userId, since));
  };
}
