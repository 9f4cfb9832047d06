import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Env, parseEnv } from '@korgon/config';
import { createDb, type DbHandle } from '@korgon/db';
import type { Clock } from '@korgon/domain';
import { buildApp, enrolDemoSecondFactor, seedDemo, serverConfig } from '@korgon/server';
import { sealKeyFrom } from '@korgon/signing';
import type { FastifyInstance } from 'fastify';
import type { DestinationStream, LoggerOptions } from 'pino';
import { freePort } from '../postgres';
import { appRoleUrl, freshDatabase, testRedis } from './fresh-database';
import { passSecondFactor, totpSecretOf, totpStepFree } from './second-factor';

export const TEST_PASSWORD = 'correct horse battery staple';
export const TEST_ORIGIN = 'http://localhost:8080';

/**
 * Test apps answer a status their route does not declare with a 500 `undeclared_status` (and a stderr line),
 * so the OpenAPI document cannot promise less than the server does (apps/server/src/plugins/declared-statuses.ts).
 */
export const STRICT_STATUSES = true;

export function testEnv(databaseUrl: string, extra: Record<string, string> = {}) {
  const key = () => randomBytes(32).toString('base64');
  const redis = testRedis(databaseUrl);
  return parseEnv({
    NODE_ENV: 'test',
    // The app connects as the application's role, as in production (it owns nothing and may only append to
    // the audit log); the test's own handles (TestApp.db) stay the owner's, to arrange and inspect anything.
    DATABASE_URL: appRoleUrl(databaseUrl) ?? databaseUrl,
    REDIS_URL: redis.url,
    REDIS_PREFIX: redis.prefix,
    JOB_BACKOFF_MS: '200',
    // Test partners are servers of the test's own on http://127.0.0.1.
    PARTNER_WEBHOOK_ALLOW_HTTP: 'true',
    PARTNER_WEBHOOK_ALLOW_PRIVATE: 'true',
    PUBLIC_URL: TEST_ORIGIN,
    LOG_LEVEL: 'silent',
    SESSION_SECRET: key(),
    CALLER_HMAC_KEY: key(),
    NOTES_ENCRYPTION_KEY: key(),
    TELEPHONY_SECRET: key(),
    AUDIT_ANCHOR_KEY: key(),
    // Each test app's export files and audit checkpoints apart, outside the repository.
    EXPORTS_DIR: join(tmpdir(), `korgon-exports-${randomBytes(6).toString('hex')}`),
    AUDIT_ANCHOR_DIR: join(tmpdir(), `korgon-anchors-${randomBytes(6).toString('hex')}`),
    ...extra,
  });
}

export interface TestApp {
  app: FastifyInstance;
  /** The configuration it runs with (secrets included, for signing test requests). */
  env: Env;
  /** Where a listening app is reached (and the origin it trusts); TEST_ORIGIN otherwise. */
  baseUrl: string;
  databaseUrl: string;
  /** A second connection for assertions straight on the database. */
  db: DbHandle;
  close(): Promise<void>;
}

/** A real server on a fresh database with the demo seeded (password TEST_PASSWORD). */
export async function createTestApp(
  opts: {
    listen?: boolean;
    env?: Record<string, string>;
    label?: string;
    clock?: Clock;
    /** Where the server's pino lines go (at `LOG_LEVEL`, default info), for tests that read its logs. */
    logStream?: DestinationStream;
    /** STRICT_STATUSES unless a test says otherwise. */
    strictStatuses?: boolean;
  } = {},
): Promise<TestApp> {
  const databaseUrl = await freshDatabase(opts.label ?? 'app');
  // A listening app is reached at its own address, so that is the origin it must trust.
  const port = opts.listen ? await freePort() : 0;
  const baseUrl = opts.listen ? `http://127.0.0.1:${port}` : TEST_ORIGIN;
  const db = createDb(databaseUrl, { max: 4 });
  await seedDemo(db.db, TEST_PASSWORD);
  const env = testEnv(databaseUrl, { PUBLIC_URL: baseUrl, ...opts.env });
  // The demo's supervisors, managers, administrators and partners have their second factor (second-factor.ts).
  await enrolDemoSecondFactor(db.db, {
    password: TEST_PASSWORD,
    sealKey: sealKeyFrom(env.NOTES_ENCRYPTION_KEY, env.NOTES_KEY_VERSION),
  });
  const app = await buildApp({
    config: serverConfig(env),
    logger: opts.logStream
      ? // Fastify passes `stream` on to pino; pino's options type does not name it.
        ({ level: opts.env?.LOG_LEVEL ?? 'info', stream: opts.logStream } as LoggerOptions)
      : process.env.TEST_SERVER_LOG
        ? { level: process.env.TEST_SERVER_LOG }
        : false,
    poolSize: 10,
    clock: opts.clock,
    strictStatuses:
      (opts.strictStatuses ?? STRICT_STATUSES)
        ? {
            report: (u) =>
              process.stderr.write(
                `[undeclared status] ${u.method} ${u.route} answered ${u.status} (declares ${u.declared.join(', ')})\n`,
              ),
          }
        : undefined,
  });
  if (opts.listen) await app.listen({ port, host: '127.0.0.1' });
  else await app.ready();
  return {
    app,
    env,
    baseUrl,
    databaseUrl,
    db,
    async close() {
      await app.close();
      await db.close();
    },
  };
}

/**
 * Signs in through the real route (as the browser would, same-origin), second factor included (its code, or
 * enrolment for a user without one), and returns the cookie header to send with later requests.
 */
export async function signIn(
  app: FastifyInstance,
  username: string,
  password = TEST_PASSWORD,
): Promise<string> {
  // The server takes each 30-second step of a user's codes once: a test signing the same user in again and
  // again would wait for new steps. While no step is free, a session of that user this helper made (through
  // the second factor) and that is still live serves instead.
  const made = factorSessions.get(databaseOf(app))?.get(username.toLowerCase());
  if (made && !totpStepFree(totpSecretOf(username))) {
    const me = await app.inject({ url: '/api/auth/me', headers: { cookie: made } });
    if (me.statusCode === 200 && !(me.json() as { next?: string }).next) return made;
  }
  const res = await app.inject({
    method: 'POST',
    url: '/api/auth/login',
    headers: { 'sec-fetch-site': 'same-origin' },
    payload: { username, password },
  });
  if (res.statusCode !== 200) throw new Error(`sign-in as ${username} failed: ${res.statusCode} ${res.body}`);
  const cookie = res.cookies.find((c) => /session$/.test(c.name));
  if (!cookie) throw new Error('no session cookie was set');
  const header = `${cookie.name}=${cookie.value}`;
  await passSecondFactor(
    async (url, payload) => {
      const r = await app.inject({
        method: 'POST',
        url,
        headers: { 'sec-fetch-site': 'same-origin', cookie: header },
        payload: payload as object,
      });
      return { status: r.statusCode, body: r.body };
    },
    username,
    (res.json() as { next?: string }).next,
  );
  if ((res.json() as { next?: string }).next) {
    const mine = factorSessions.get(databaseOf(app)) ?? new Map<string, string>();
    factorSessions.set(databaseOf(app), mine);
    mine.set(username.toLowerCase(), header);
  }
  return header;
}

/** Sessions signIn made through the second factor, per database and user (see signIn). */
const factorSessions = new Map<string, Map<string, string>>();
/** The database an app serves (a restarted app on the same one shares its sessions). */
const databaseOf = (app: FastifyInstance): string =>
  (app as unknown as { pool?: { options?: { connectionString?: string } } }).pool?.options
    ?.connectionString ?? 'unknown';

/**
 * Seeds-time enrolment for a demo database a test seeded itself (seedDemo) and serves with `notesKey`
 * (PROCESS_SECRETS' for process tests): the same secrets createTestApp gives.
 */
export function enrolTestDemo(
  db: Parameters<typeof enrolDemoSecondFactor>[0],
  notesKey: string,
  version = 1,
) {
  return enrolDemoSecondFactor(db, { password: TEST_PASSWORD, sealKey: sealKeyFrom(notesKey, version) });
}
