import { migrate, roleOf } from '@korgon/db';
import { openDevDatabase } from './dev-database';

/**
 * `pnpm db:migrate`: applies Korgon's migrations and reference data as the owner of the tables
 * (DATABASE_MIGRATION_URL, else DATABASE_URL, else the dev database's postgres), and grants the application's
 * role (the user of DATABASE_URL, or korgon_app locally) what it needs.
 */
const dev = await openDevDatabase((l) => console.log(l));
try {
  const appRole = roleOf(dev.appUrl);
  await migrate(dev.url, { appRole });
  console.log(
    `migrations applied (${dev.server.kind} PostgreSQL) as ${roleOf(dev.url) || 'the default user'}` +
      (appRole && appRole !== roleOf(dev.url) ? `; the application's role ${appRole} granted` : ''),
  );
} finally {
  await dev.release();
}
