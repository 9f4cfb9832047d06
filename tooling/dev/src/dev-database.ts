import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { findRepoRoot } from '@korgon/config';
import { answers, ensureDatabase, freePort, type PostgresServer, resolvePostgres } from './postgres';

export const DEV_DB_NAME = 'korgon';
export const EMBEDDED_PORT = 54329;

const root = findRepoRoot();
export const dataDir = resolve(root, '.data');
const runningFile = resolve(dataDir, 'embedded-postgres.url');

export interface DevDatabase {
  url: string;
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
    const server = await resolvePostgres({ databaseUrl: envUrl, embeddedDir: dataDir, persistent: true });
    return { url: envUrl, server, release: async () => {} };
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
      return { url, server, release: async () => {} };
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
  if (server.kind === 'embedded') writeFileSync(runningFile, url, { mode: 0o600 });
  return {
    url,
    server,
    release: async () => {
      if (server.kind !== 'embedded') return;
      rmSync(runningFile, { force: true });
      await server.stop();
    },
  };
}
