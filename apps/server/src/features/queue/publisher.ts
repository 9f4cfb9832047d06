import { QUEUE_ROOMS, type QueueChange } from '@korgon/domain';
import { type LiveSink, withQueueTransaction } from '@korgon/queue';
import type { FastifyInstance } from 'fastify';

/**
 * Pushes committed changes, in version order, to every console in every server process, and adds the jobs
 * a queue transaction asked for (a wrap-up's end) once it has committed. The board's figures follow.
 */
export function createLiveSink(app: FastifyInstance): LiveSink {
  return {
    publish: (changes: readonly QueueChange[], began?: number) => {
      for (const change of changes) app.io.to(QUEUE_ROOMS).emit('queue:change', change);
      if (began !== undefined) app.metrics.pushLag.observe((performance.now() - began) / 1000);
      app.board.kick();
      app.alerts.kick();
    },
    enqueue: app.safeJobs.enqueue,
  };
}

/**
 * Pushes the current view of calls whose view changed outside the queue's own transactions (a consultation
 * finalized): a change with the next version, read after that commit, so consoles never miss it.
 */
export async function publishCalls(app: FastifyInstance, callIds: readonly string[]): Promise<void> {
  await withQueueTransaction(app.pool, createLiveSink(app), async (_client, pending) => {
    for (const id of callIds) pending.calls.add(id);
  });
}
