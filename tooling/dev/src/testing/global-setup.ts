import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '@korgon/db';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { DEV_APP_ROLE, ensureAppRole, ensureDatabase, resolvePostgres } from '../postgres';
import { deleteKeys, resolveRedis } from '../redis';
import { dumpDatabaseText } from './dump';
import { REDIS_TEST_PREFIX } from './fresh-database';

/**
 * Once per `vitest run`: pick a PostgreSQL (DATABASE_URL, else 127.0.0.1:5432, else an embedded one in a
 * temporary directory), make a migrated template database for this run, and drop every database of the run
 * at the end. Each test file clones the template (see fresh-database.ts), so files never collide. Redis is
 * chosen the same way (REDIS_URL, 127.0.0.1:6379, embedded); every test app writes its keys under a prefix of
 * its own (`korgon-t-<run>-<database>`), and the run's keys are deleted at the end (never FLUSHALL).
 */
export default async function setup(project: TestProject) {
  const runId = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const tmp = mkdtempSync(join(tmpdir(), 'korgon-test-pg-'));
  const server = await resolvePostgres({
    databaseUrl: process.env.DATABASE_URL || undefined,
    embeddedDir: join(tmp, 'pg'),
    persistent: false,
  });
  const redis = await resolveRedis({
    redisUrl: process.env.REDIS_URL || undefined,
    embeddedDir: join(tmp, 'redis'),
    persistent: false,
  });
  const template = `korgon_t_${runId}_tpl`;
  await ensureDatabase(server.adminUrl, template);
  // The application's role, granted in the template and so in every clone: the server and worker processes
  // of the process tests connect as it (processes.ts). A DATABASE_URL whose user may not create roles runs
  // them as that user instead.
  const appRole = await ensureAppRole(server.adminUrl).then(
    () => DEV_APP_ROLE,
    (err: Error) => {
      console.log(`[tests] no application role (${err.message}): processes connect as the owner`);
      return '';
    },
  );
  await migrate(server.urlFor(template), { appRole });
  project.provide('pgAdminUrl', server.adminUrl);
  project.provide('pgTemplate', template);
  project.provide('pgRunId', runId);
  project.provide('pgKind', server.kind);
  project.provide('pgAppRole', appRole);
  project.provide('redisUrl', redis.url);
  console.log(`[tests] PostgreSQL: ${server.kind}; Redis: ${redis.kind} (${redis.url}); run ${runId}`);

  let privacyFailure: string | null = null;
  return async () => {
    const client = new pg.Client({ connectionString: server.adminUrl });
    try {
      await client.connect();
      const { rows } = await client.query<{ datname: string }>(
        `SELECT datname FROM pg_database WHERE datname LIKE $1`,
        [`korgon_t_${runId}_%`],
      );
      // Privacy check over everything the tests stored: no phone number in clear in any database.
      const leaks: string[] = [];
      for (const { datname } of rows) {
        const url = new URL(server.adminUrl);
        url.pathname = `/${datname}`;
        const { text } = await dumpDatabaseText(url.toString()).catch(() => ({ text: '' }));
        const found = text.match(/\+\d{9,15}\b/g);
        if (found)
          leaks.push(`${datname}: ${found.length} phone-number-like value(s), e.g. …${found[0]?.slice(-3)}`);
      }
      for (const { datname } of rows) {
        await client
          .query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(datname)} WITH (FORCE)`)
          .catch(() => undefined);
      }
      privacyFailure =
        leaks.length > 0
          ? `[tests] PRIVACY CHECK FAILED: caller numbers were stored in clear:\n${leaks.join('\n')}`
          : null;
      if (!privacyFailure)
        console.log(`[tests] privacy check: ${rows.length} test databases hold no phone number in clear`);
    } finally {
      await client.end().catch(() => undefined);
      await deleteKeys(redis.url, `${REDIS_TEST_PREFIX}-${runId}-`).catch(() => undefined);
      await redis.stop().catch(() => undefined);
      await server.stop().catch(() => undefined);
      rmSync(tmp, { recursive: true, force: true });
    }
    if (privacyFailure) {
      // Vitest only logs what a teardown throws and keeps exit code 0; CI must see this fail.
      console.error(privacyFailure);
      process.exit(1);
    }
  };
}
