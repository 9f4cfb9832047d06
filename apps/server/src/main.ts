import { ConfigError, type Env, listenHostOf } from '@korgon/config';
import { migrate, ownsTables, pendingMigrations, roleOf } from '@korgon/db';
import pg from 'pg';
import { buildApp } from './app';
import { serverConfig } from './config';

/**
 * With DATABASE_MIGRATION_URL, migrates as the owner and grants the application's role (the user of
 * DATABASE_URL). Without it, migrates as DATABASE_URL when that role owns the tables (or there are none yet: a
 * single-role installation); else the owner has migrated (`pnpm db:migrate`, the compose service `migrate`),
 * and a migration still missing stops the start with a message saying so.
 */
async function migrateAtStart(env: Env): Promise<void> {
  if (env.DATABASE_MIGRATION_URL) {
    await migrate(env.DATABASE_MIGRATION_URL, { appRole: roleOf(env.DATABASE_URL) });
    return;
  }
  const pool = new pg.Pool({
    connectionString: env.DATABASE_URL,
    max: 1,
    application_name: 'korgon-migrate',
  });
  try {
    if (await ownsTables(pool)) {
      await migrate(env.DATABASE_URL);
      return;
    }
    const pending = await pendingMigrations(pool);
    if (pending > 0) {
      console.error(
        `Korgon server: ${pending} database migration(s) are not applied, and the role of DATABASE_URL owns no ` +
          'tables to apply them: run them as the owner (DATABASE_MIGRATION_URL, `pnpm db:migrate`; docs/deploy.md)',
      );
      process.exit(78);
    }
  } finally {
    await pool.end();
  }
}

/** Starts one server process: migrate, listen, and on SIGTERM/SIGINT finish in-flight work and close. */
async function main() {
  let config: ReturnType<typeof serverConfig>;
  try {
    config = serverConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78);
    }
    throw err;
  }
  await migrateAtStart(config.env);
  const app = await buildApp({ config });
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down: no new connections, finishing requests in flight');
    const force = setTimeout(() => {
      // What still holds the close (sockets, timers): the lead for whoever finds out why.
      app.log.error({ open: process.getActiveResourcesInfo() }, 'shutdown took longer than 20 s; exiting');
      process.exit(1);
    }, 20_000);
    force.unref();
    await app.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  await app.listen({ port: config.env.PORT, host: listenHostOf(config.env) });
  app.log.info({ url: config.publicUrl }, 'Korgon server ready');
}

main().catch((err) => {
  console.error('Korgon server failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
