import { migrate } from '@korgon/db';
import { openDevDatabase } from './dev-database';

/** `pnpm db:migrate`: applies Korgon's migrations and reference data to the dev database. */
const dev = await openDevDatabase((l) => console.log(l));
try {
  await migrate(dev.url);
  console.log(`migrations applied (${dev.server.kind} PostgreSQL)`);
} finally {
  await dev.release();
}
