import { drizzle } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import type { Db } from './client';
import * as schema from './schema';

/** Anything raw SQL can run on: the pool, a checked-out client inside a transaction, or a lone client. */
export type Queryable = Pick<pg.Pool | pg.PoolClient | pg.Client, 'query'>;

const handles = new WeakMap<Queryable, Db>();

/**
 * Drizzle's query builder on a connection the caller already holds: a raw transaction's client
 * (`inTransaction`, the queue's transactions), or the pool. Made once per connection (pooled clients return).
 */
export function dbOn(q: Queryable): Db {
  let db = handles.get(q);
  if (!db) {
    // Outside its own transactions drizzle only calls `query` on what it is given.
    db = drizzle(q as pg.PoolClient, { schema });
    handles.set(q, db);
  }
  return db;
}
