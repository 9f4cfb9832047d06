import type { QueueChange } from '@korgon/domain';
import type pg from 'pg';

export type Queryable = Pick<pg.Pool | pg.PoolClient | pg.Client, 'query'>;

/** Delivers committed changes to the consoles (Socket.IO in the server, the postgres emitter in the worker). */
export type Publish = (changes: readonly QueueChange[]) => void;

export interface PendingChanges {
  calls: Set<string>;
  operators: Set<string>;
}
