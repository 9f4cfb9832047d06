import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import * as schema from './schema';

export type Db = NodePgDatabase<typeof schema>;
/** A transaction handle from `db.transaction(...)`; queries on it run on one connection. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type DbOrTx = Db | Tx;

export interface DbHandle {
  db: Db;
  pool: pg.Pool;
  close(): Promise<void>;
}

export interface CreateDbOptions {
  max?: number;
  /**
   * Connections kept open while idle (default 0: every idle connection closes after 10 s). A server keeps a
   * few, so that a burst after a quiet spell does not wait for new connections (TCP, authentication, and each
   * prepared statement parsed again).
   */
  min?: number;
  applicationName?: string;
  /** Called for errors on idle clients (e.g. PostgreSQL restarted); the pool replaces them. */
  onIdleError?: (err: Error) => void;
}

// timestamptz → Date (default); bigint (int8) → number, since our counters never pass 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number.parseInt(v, 10));

export function createDb(url: string, opts: CreateDbOptions = {}): DbHandle {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    min: Math.min(opts.min ?? 0, opts.max ?? 10),
    application_name: opts.applicationName ?? 'korgon',
    connectionTimeoutMillis: 10_000,
  });
  pool.on('error', (err) => opts.onIdleError?.(err));
  // A checked-out client between two queries (e.g. inside a transaction) has no pool listener: without this,
  // PostgreSQL ending its connection (restart, failover) is an unhandled 'error' that ends the process.
  pool.on('connect', (client) => client.on('error', (err) => opts.onIdleError?.(err)));
  const db = drizzle(pool, { schema });
  return { db, pool, close: () => pool.end() };
}
