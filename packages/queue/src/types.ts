import type { Enqueue, JobRequest, QueueChange } from '@korgon/domain';

export type { Queryable } from '@korgon/db';

/**
 * Delivers committed changes to the consoles (Socket.IO in the server, the Redis emitter in the worker).
 * `began` is `performance.now()` when the transaction that made them started (its first attempt): the time to
 * this push is the push lag a process reports (docs/operations.md "Metrics").
 */
export type Publish = (changes: readonly QueueChange[], began?: number) => void;

/** Where a committed queue transaction sends what it did: live changes to consoles, and its jobs to BullMQ. */
export interface LiveSink {
  publish: Publish;
  enqueue: Enqueue;
}

export interface PendingChanges {
  calls: Set<string>;
  operators: Set<string>;
  /** Jobs to add once the transaction has committed (their work is in the rows it wrote). */
  jobs: JobRequest[];
}
