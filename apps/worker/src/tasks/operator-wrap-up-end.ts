import { endWrapUp, type Publish, withQueueTransaction } from '@korgon/queue';
import type { Task } from 'graphile-worker';
import type pg from 'pg';
import { z } from 'zod';

const Payload = z.object({ userId: z.uuid(), since: z.string().min(1) });

/**
 * The end of an operator's after-call work (a delayed job scheduled when the wrap-up began, replaced by any
 * later one): available again, unless they already moved on by themselves.
 */
export function operatorWrapUpEnd(pool: pg.Pool, publish: Publish): Task {
  return async (payload, helpers) => {
    const { userId, since } = Payload.parse(payload);
    const ended = await withQueueTransaction(pool, publish, (client, pending) =>
      endWrapUp(client, pending, userId, since),
    );
    helpers.logger.debug(ended ? `wrap-up of ${userId} ended` : `wrap-up of ${userId} had ended already`);
  };
}
