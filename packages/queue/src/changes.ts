import { inTransaction } from '@korgon/db';
import type { QueueChange } from '@korgon/domain';
import type pg from 'pg';
import type { PendingChanges, Publish, Queryable } from './types';
import { callViews, operatorViews } from './views';

/**
 * Runs `work` in one transaction that holds the live-state version row, then numbers the changes it
 * recorded one by one (gapless, in commit order) and publishes them after the commit. A change that rolls
 * back takes no number.
 */
export async function withQueueTransaction<T>(
  pool: pg.Pool,
  publish: Publish,
  work: (client: pg.PoolClient, pending: PendingChanges) => Promise<T>,
): Promise<T> {
  const pending: PendingChanges = { calls: new Set(), operators: new Set() };
  let changes: QueueChange[] = [];
  const result = await inTransaction(pool, async (client) => {
    const { rows } = await client.query<{ version: number }>(
      'SELECT version FROM queue_state WHERE id = 1 FOR UPDATE',
    );
    const r = await work(client, pending);
    changes = await numberChanges(client, pending, Number(rows[0]?.version ?? 0));
    return r;
  });
  if (changes.length > 0) publish(changes);
  return result;
}

async function numberChanges(
  client: Queryable,
  pending: PendingChanges,
  current: number,
): Promise<QueueChange[]> {
  const calls = await callViews(client, [...pending.calls]);
  const operators = pending.operators.size > 0 ? await operatorViews(client, [...pending.operators]) : [];
  const changes: QueueChange[] = [];
  let version = current;
  for (const call of calls.values()) changes.push({ version: ++version, kind: 'call', call });
  for (const operator of operators) changes.push({ version: ++version, kind: 'operator', operator });
  if (version !== current) await client.query('UPDATE queue_state SET version = $1 WHERE id = 1', [version]);
  return changes;
}

export async function currentVersion(q: Queryable): Promise<number> {
  const { rows } = await q.query<{ version: number }>('SELECT version FROM queue_state WHERE id = 1');
  return Number(rows[0]?.version ?? 0);
}
