import type { JobData } from '@korgon/domain';
import { closeLostCalls, type LiveSink, withQueueTransaction } from '@korgon/queue';
import type pg from 'pg';

/**
 * A call nothing was heard of until its deadline (`calls.lost_at`, the delayed job's time): closed as lost, its
 * operator to wrap-up. Does nothing when the call ended meanwhile, or when a later event moved the deadline on
 * (that event added its own job); a job that runs early (clocks) finds it not due and leaves it to the
 * reconciler, which adds it again at the stored time.
 */
export function callLost(pool: pg.Pool, sink: LiveSink, wrapUpSeconds: number) {
  return async ({ callId, at }: JobData<'call.lost'>): Promise<void> => {
    await withQueueTransaction(pool, sink, async (client, pending) => {
      const { rows } = await client.query<{ lost_at: Date | null }>(
        `SELECT lost_at FROM calls WHERE id = $1 AND state IN ('waiting', 'answered')`,
        [callId],
      );
      const lostAt = rows[0]?.lost_at;
      if (!lostAt || lostAt.getTime() !== Date.parse(at)) return;
      await closeLostCalls(client, pending, [callId], { wrapUpSeconds, dueOnly: true });
    });
  };
}
