import pg from 'pg';
import { inject } from 'vitest';
import { asAppRole } from '../postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    pgTemplate: string;
    pgRunId: string;
    pgKind: string;
    /** The application's role on this run's PostgreSQL ('' when it could not be made: DATABASE_URL's server). */
    pgAppRole: string;
    redisUrl: string;
  }
}

export const REDIS_TEST_PREFIX = 'korgon-t';

/** This run's Redis, and a key prefix of its own for a test database (so parallel files never collide). */
export function testRedis(databaseUrl: string): { url: string; prefix: string } {
  const db = new URL(databaseUrl).pathname.slice(1).replace(/^korgon_t_[^_]+_/, '');
  return { url: inject('redisUrl'), prefix: `${REDIS_TEST_PREFIX}-${inject('pgRunId')}-${db}` };
}

let counter = 0;

/** A new database cloned from this run's migrated template: one per test file (or per test that wants one). */
export async function freshDatabase(label = 'db'): Promise<string> {
  const admin = inject('pgAdminUrl');
  const template = inject('pgTemplate');
  const name = `korgon_t_${inject('pgRunId')}_${label
    .replace(/[^a-z0-9]/gi, '')
    .slice(0, 20)
    .toLowerCase()}_${process.pid}_${counter++}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await client.query(
          `CREATE DATABASE ${pg.escapeIdentifier(name)} TEMPLATE ${pg.escapeIdentifier(template)}`,
        );
        break;
      } catch (err) {
        // Two files cloning the template at the same instant: PostgreSQL refuses one; try again.
        if (attempt >= 20 || !/being accessed by other users/.test((err as Error).message)) throw err;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      }
    }
  } finally {
    await client.end();
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * A test database of this run as the application's role (docs/deploy.md "Least privilege"): it owns nothing and
 * may only append to the audit log. Null for a database of another server (a test's own cluster), or when this
 * run has no such role.
 */
export function appRoleUrl(databaseUrl: string): string | null {
  if (!inject('pgAppRole')) return null;
  const admin = new URL(inject('pgAdminUrl'));
  const u = new URL(databaseUrl);
  if (u.host !== admin.host || u.username !== admin.username) return null;
  return asAppRole(databaseUrl);
}
