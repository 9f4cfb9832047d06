import { dbOn, inTransaction, schema } from '@korgon/db';
import type { QueueCall, QueueChange } from '@korgon/domain';
import { Mutex } from 'async-mutex';
import { eq, sql } from 'drizzle-orm';
import type pg from 'pg';
import type { LiveSink, PendingChanges, Queryable } from './types';
import { callViews, operatorViews } from './views';

const { queueState } = schema;

/** PostgreSQL's deadlock and serialization failures: the transaction can simply run again. */
const RETRYABLE = new Set(['40P01', '40001']);

/**
 * Runs `work` in one transaction, then numbers the changes it recorded and, after the commit, publishes
 * them and adds the jobs the work asked for (PostgreSQL first, then Redis: see ADR 0002).
 * The work locks only the rows it touches (calls, operator states); the live-state version row is locked at
 * the very end, just before COMMIT, so versions are gapless and in commit order while the section that
 * serialises every writer stays a single UPDATE long. A change that rolls back takes no number. A deadlock
 * between two writers is retried.
 */
/**
 * Taking a version, committing and publishing happen under one lock per process: PostgreSQL's row lock orders
 * the commits, and this keeps this process's pushes in that same order (two transactions' continuations after
 * COMMIT could otherwise run in either order). Other processes' changes interleave; consoles catch up on a gap.
 */
const publishOrder = new Mutex();

export async function withQueueTransaction<T>(
  pool: pg.Pool,
  sink: LiveSink,
  work: (client: pg.PoolClient, pending: PendingChanges) => Promise<T>,
): Promise<T> {
  // Lock waits and retries included: the lag a console sees is from the moment the change was asked for.
  const began = performance.now();
  for (let attempt = 1; ; attempt++) {
    const pending: PendingChanges = { calls: new Set(), operators: new Set(), jobs: [] };
    let changes: QueueChange[] = [];
    let release: (() => void) | undefined;
    try {
      const result = await inTransaction(pool, async (client) => {
        const r = await work(client, pending);
        if (pending.calls.size + pending.operators.size > 0) release = await publishOrder.acquire();
        changes = await numberChanges(client, pending);
        return r;
      });
      if (changes.length > 0) sink.publish(changes, began);
      release?.();
      release = undefined;
      if (pending.jobs.length > 0) await sink.enqueue(pending.jobs);
      return result;
    } catch (err) {
      release?.();
      const code = (err as { code?: string }).code;
      if (attempt >= 3 || !code || !RETRYABLE.has(code)) throw err;
    }
  }
}

async function numberChanges(client: Queryable, pending: PendingChanges): Promise<QueueChange[]> {
  const calls: QueueCall[] = [...(await callViews(client, [...pending.calls])).values()];
  const operators = pending.operators.size > 0 ? await operatorViews(client, [...pending.operators]) : [];
  const count = calls.length + operators.length;
  if (count === 0) return [];
  const [row] = await dbOn(client)
    .update(queueState)
    .set({ version: sql`${queueState.version} + ${count}` })
    .where(eq(queueState.id, 1))
    .returning({ version: queueState.version });
  let version = Number(row?.version ?? count) - count;
  const changes: QueueChange[] = [];
  for (const call of calls) changes.push({ version: ++version, kind: 'call', call });
  for (const operator of operators) changes.push({ version: ++version, kind: 'operator', operator });
  return changes;
}

export async function currentVersion(q: Queryable): Promise<number> {
  const [row] = await dbOn(q)
    .select({ version: queueState.version })
    .from(queueState)
    .where(eq(queueState.id, 1));
  return Number(row?.version ?? 0);
}
