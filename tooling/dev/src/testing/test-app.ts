import { randomBytes } from 'node:crypto';
import { parseEnv } from '@korgon/config';
import { createDb, type DbHandle } from '@korgon/db';
import { buildApp, seedDemo, serverConfig } from '@korgon/server';
import type { FastifyInstance } from 'fastify';
import { freshDatabase } from './fresh-database';

export const TEST_PASSWORD = 'correct horse battery staple';
export const TEST_ORIGIN = 'http://localhost:8080';

export function testEnv(databaseUrl: string, extra: Record<string, string> = {}) {
  const key = () => randomBytes(32).toString('base64');
  return parseEnv({
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    PUBLIC_URL: TEST_ORIGIN,
    LOG_LEVEL: 'silent',
    SESSION_SECRET: key(),
    CALLER_HMAC_KEY: key(),
    NOTES_ENCRYPTION_KEY: key(),
    TELEPHONY_SECRET: key(),
    ...extra,
  });
}

export interface TestApp {
  app: FastifyInstance;
  databaseUrl: string;
  /** A second connection for assertions straight on the database. */
  db: DbHandle;
  close(): Promise<void>;
}

/** A real server on a fresh database with the demo seeded (password TEST_PASSWORD). */
export async function createTestApp(
  opts: { listen?: boolean; env?: Record<string, string>; label?: string } = {},
): Promise<TestApp> {
  const databaseUrl = await freshDatabase(opts.label ?? 'app');
  const db = createDb(databaseUrl, { max: 4 });
  await seedDemo(db.db, TEST_PASSWORD);
  const app = await buildApp({
    config: serverConfig(testEnv(databaseUrl, opts.env)),
    logger: false,
    poolSize: 10,
  });
  if (opts.listen) await app.listen({ port: 0, host: '127.0.0.1' });
  else await app.ready();
  return {
    app,
    databaseUrl,
    db,
    async close() {
      await app.close();
      await db.close();
    },
  };
}

/** Signs in through the real route and returns the cookie header to send with later requests. */
export async function signIn(
  app: FastifyInstance,
  username: string,
  password = TEST_PASSWORD,
): Promise<string> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/auth/login',
    headers: { origin: TEST_ORIGIN },
    payload: { username, password },
  });
  if (res.statusCode !== 200) throw new Error(`sign-in as ${username} failed: ${res.statusCode} ${res.body}`);
  const cookie = res.cookies[0];
  if (!cookie) throw new Error('no session cookie was set');
  return `${cookie.name}=${cookie.value}`;
}
