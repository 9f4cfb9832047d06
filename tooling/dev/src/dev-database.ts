import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { findRepoRoot } from '@korgon/config';
import {
  answers,
  asAppRole,
  ensureAppRole,
  ensureDatabase,
  freePort,
  type PostgresServer,
  resolvePostgres,
} from './postgres';

export const DEV_DB_NAME = 'korgon';
export const EMBEDDED_PORT = 54329;

const root = findRepoRoot();
export const dataDir = resolve(root, '.data');
const runningFile = resolve(dataDir, 'embedded-postgres.url');

export interface DevDatabase {
  /** As the owner of the tables: for migrations, the seed and the CLIs. */
  url: string;
  /**
   * As the application's role (DEV_APP_ROLE on a local or embedded PostgreSQL; DATABASE_URL when set), for the
   * server and the worker: it owns nothing and may only append to the audit log (docs/deploy.md).
   */
  appUrl: string;
  server: PostgresServer;
  /** Stops the embedded PostgreSQL if this process started it. */
  release(): Promise<void>;
}

/**
 * The database `pnpm start` and the CLIs use: DATABASE_URL when set, else `korgon` on the local PostgreSQL
 * (127.0.0.1:5432) when one answers, else the embedded PostgreSQL in .data/ (reusing it when `pnpm start`
 * already runs it).
 */
export async function openDevDatabase(log: (line: string) => void = () => undefined): Promise<DevDatabase> {
  const envUrl = process.env.DATABASE_URL || undefined;
  if (envUrl) {
    // DATABASE_MIGRATION_URL, when set, is the owner; without it DATABASE_URL is both (a single-role database).
    const ownerUrl = process.env.DATABASE_MIGRATION_URL || envUrl;
    const server = await resolvePostgres({ databaseUrl: ownerUrl, embeddedDir: dataDir, persistent: true });
    return { url: ownerUrl, appUrl: envUrl, server, release: async () => {} };
  }
  if (existsSync(runningFile)) {
    const url = readFileSync(runningFile, 'utf8').trim();
    if (await answers(url)) {
      const server: PostgresServer = {
        kind: 'embedded',
        adminUrl: url,
        urlFor: () => url,
        stop: async () => {},
      };
      await ensureAppRole(url);
      return { url, appUrl: asAppRole(url), server, release: async () => {} };
    }
  }
  mkdirSync(dataDir, { recursive: true });
  const port = (await answers(`postgres://postgres@127.0.0.1:${EMBEDDED_PORT}/postgres`, 500))
    ? await freePort()
    : EMBEDDED_PORT;
  const server = await resolvePostgres({
    databaseUrl: undefined,
    embeddedDir: resolve(dataDir, 'pg'),
    persistent: true,
    embeddedPort: port,
    log,
  });
  const url = server.urlFor(DEV_DB_NAME);
  await ensureDatabase(server.adminUrl, DEV_DB_NAME);
  await ensureAppRole(server.adminUrl);
  if (server.kind === 'embedded') writeFileSync(runningFile, url, { mode: 0o600 });
  return {
    url,
    appUrl: asAppRole(url),
    server,
    release: async () => {
      if (server.kind !== 'embedded') return;
      rmSync(runningFile, { force: true });
      await server.stop();
    },
  };
}
