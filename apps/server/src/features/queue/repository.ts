import { dbOn, type Queryable, schema } from '@korgon/db';
import type { OperatorStatus } from '@korgon/domain';
import { and, eq, inArray, lt, sql } from 'drizzle-orm';
import type pg from 'pg';

const { consultations, operatorStates, queueState, users } = schema;

type UserRow = typeof users.$inferSelect;

/** Statuses an operator keeps only while her console is open. */
const PRESENT: OperatorStatus[] = ['available', 'break', 'wrap_up'];

/**
 * The queue feature's own SQL (the calls are read and written by @korgon/queue). It runs on the client it is
 * given, a queue transaction's or a session's own connection, so its reads share that transaction.
 */
export function createQueueRepository(client: Queryable) {
  const db = dbOn(client);
  return {
    /** The live state's version and the database's time, read in the snapshot. */
    async versionAndTime(): Promise<{ version: number; now: Date } | undefined> {
      const [row] = await db
        .select({
          version: queueState.version,
          now: sql<Date>`clock_timestamp()`.mapWith((v) => new Date(v)),
        })
        .from(queueState)
        .where(eq(queueState.id, 1));
      return row;
    },

    async consultationExists(id: string): Promise<boolean> {
      const rows = await db
        .select({ id: consultations.id })
        .from(consultations)
        .where(eq(consultations.id, id));
      return rows.length > 0;
    },

    /** An active user's role and name; undefined when there is no such active user. */
    async activeUser(id: string): Promise<Pick<UserRow, 'role' | 'displayName'> | undefined> {
      const [row] = await db
        .select({ role: users.role, displayName: users.displayName })
        .from(users)
        .where(and(eq(users.id, id), eq(users.active, true)));
      return row;
    },

    /** An operator's state, her row locked (undefined: she has none yet, i.e. offline). */
    async lockOperatorStatus(userId: string): Promise<OperatorStatus | undefined> {
      const [row] = await db
        .select({ status: operatorStates.status })
        .from(operatorStates)
        .where(eq(operatorStates.userId, userId))
        .for('update');
      return row?.status;
    },

    /**
     * Takes the presence sweep's session lock; false when another server holds it.
     * (Raw SQL: advisory locks are functions drizzle's builder has no words for.)
     */
    async trySweepLock(key: readonly [number, number]): Promise<boolean> {
      const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [
        ...key,
      ]);
      return Boolean(rows[0]?.ok);
    },

    async releaseSweepLock(key: readonly [number, number]): Promise<void> {
      await client.query('SELECT pg_advisory_unlock($1, $2)', [...key]);
    },

    /** Operators in a state kept only while present, unchanged for longer than the grace period. */
    async staleOperators(graceSeconds: number): Promise<string[]> {
      const rows = await db
        .select({ userId: operatorStates.userId })
        .from(operatorStates)
        .where(
          and(
            inArray(operatorStates.status, PRESENT),
            lt(operatorStates.since, sql`now() - make_interval(secs => ${graceSeconds})`),
          ),
        );
      return rows.map((r) => r.userId);
    },
  };
}

/**
 * Runs `read` in one read-only REPEATABLE READ transaction, so everything it reads is one consistent snapshot.
 * (Raw BEGIN: drizzle's transaction() has no handle for the pg client that @korgon/queue's views read on.)
 */
export async function inSnapshot<T>(pool: pg.Pool, read: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const result = await read(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
