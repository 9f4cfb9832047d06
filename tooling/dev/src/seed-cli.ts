import { createDb, migrate } from '@korgon/db';
import { seedDemo } from '@korgon/server';
import { openDevDatabase } from './dev-database';

/** Seeds the demo into the dev database (once); prints the password when it made one. */
const dev = await openDevDatabase((l) => console.log(l));
try {
  await migrate(dev.url);
  const password = process.env.KORGON_DEMO_PASSWORD;
  if (!password) {
    console.error('Set KORGON_DEMO_PASSWORD to the password the demo users should have.');
    process.exit(2);
  }
  const handle = createDb(dev.url, { max: 2 });
  const seed = await seedDemo(handle.db, password);
  await handle.close();
  console.log(seed.seeded ? 'demo seeded with KORGON_DEMO_PASSWORD' : 'users exist already: nothing seeded');
} finally {
  await dev.release();
}
