import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate as drizzleMigrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { grantAppRole, roleOf } from './app-role';
import { ensureReferenceData } from './reference-data';

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../migrations', import.meta.url));
const MIGRATION_LOCK = [5200, 0] as const;

export interface MigrateOptions {
  /**
   * The application's role (the user of DATABASE_URL), when it is not the owner that migrates: granted what
   * the application needs, and no more on the audit log (app-role.ts).
   */
  appRole?: string | undefined;
}

/**
 * Applies Korgon's drizzle migrations and the reference data, as the owner of the tables, then grants the
 * application's role. Several processes may start at once: an advisory lock makes them take turns, and the
 * later ones find nothing left to do.
 */
export async function migrate(url: string, opts: MigrateOptions = {}): Promise<void> {
  const client = new pg.Client({ connectionString: url, application_name: 'korgon-migrate' });
  await client.connect();
  try {
    await client.query('SET client_min_messages = warning');
    await client.query('SELECT pg_advisory_lock($1, $2)', [...MIGRATION_LOCK]);
    await drizzleMigrate(drizzle(client), { migrationsFolder: MIGRATIONS_FOLDER });
    await ensureReferenceData(client);
    if (opts.appRole && opts.appRole !== roleOf(url)) await grantAppRole(client, opts.appRole);
  } finally {
    await client.query('SELECT pg_advisory_unlock($1, $2)', [...MIGRATION_LOCK]).catch(() => undefined);
    await client.end();
  }
}

/** The journal entries drizzle-kit wrote; used by /readyz to tell whether every migration is applied. */
let migrationCount: number | undefined;
export async function pendingMigrations(pool: pg.Pool): Promise<number> {
  // The migration files do not change while the process runs: read them once, not on every /readyz.
  if (migrationCount === undefined) {
    const { readMigrationFiles } = await import('drizzle-orm/migrator');
    migrationCount = readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER }).length;
  }
  const applied = await pool
    .query<{ n: number }>('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations')
    .then((r) => r.rows[0]?.n ?? 0)
    .catch(() => 0);
  return Math.max(0, migrationCount - applied);
}
