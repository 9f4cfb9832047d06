import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, renameSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  auditAnchorDirOf,
  ensureLocalSecrets,
  findRepoRoot,
  localEnvPath,
  parseEnv,
  publicUrlOf,
} from '@korgon/config';
import { AUDIT_ANCHOR_FILE, createDb, migrate, roleOf } from '@korgon/db';
import { PARTNER_TYPE_LABELS } from '@korgon/domain';
import {
  DEMO_NOT_ENROLLED,
  DEMO_USERS,
  demoPartnerOf,
  enrolDemoSecondFactor,
  seedDemo,
  seedDemoHistory,
} from '@korgon/server';
import { notesKeyringOf } from '@korgon/signing';
import type { Pool } from 'pg';
import { dataDir, openDevDatabase } from './dev-database';
import { resolveRedis } from './redis';
import { createSimulator, type Simulator } from './simulator/index';

/**
 * `pnpm start`: one command for a working demo. Picks a PostgreSQL and a Redis (env, local, embedded),
 * migrates, seeds once, starts the server and the worker, prints the URL and logins, and on Ctrl-C stops all
 * of it.
 */
const root = findRepoRoot();
const log = (line: string) => console.log(`[korgon] ${line}`);

const demoPasswordGiven = Boolean(process.env.KORGON_DEMO_PASSWORD);
const local = ensureLocalSecrets(
  demoPasswordGiven ? {} : { KORGON_DEMO_PASSWORD: () => `korgon-${randomBytes(6).toString('base64url')}` },
);
const demoPassword = process.env.KORGON_DEMO_PASSWORD ?? local.KORGON_DEMO_PASSWORD ?? '';

const dev = await openDevDatabase(log);
log(
  `PostgreSQL: ${dev.server.kind === 'env' ? 'DATABASE_URL' : dev.server.kind === 'local' ? '127.0.0.1:5432' : 'embedded (data in .data/pg)'}`,
);

const redis = await resolveRedis({
  redisUrl: process.env.REDIS_URL || undefined,
  embeddedDir: resolve(dataDir, 'redis'),
  persistent: true,
  log,
}).catch(async (err: Error) => {
  log(err.message);
  await dev.release();
  process.exit(1);
});
log(
  `Redis: ${redis.kind === 'env' ? 'REDIS_URL' : redis.kind === 'local' ? '127.0.0.1:6379' : `embedded (data in .data/redis, ${redis.url})`}`,
);

// The server and the worker connect as the application's role, which owns nothing and may only append to the
// audit log; this process migrates and seeds as the owner (docs/deploy.md "Least privilege"). The children get
// no owner URL: the migrations are applied here.
const childEnv: NodeJS.ProcessEnv = {
  ...local,
  ...process.env,
  DATABASE_URL: dev.appUrl,
  REDIS_URL: redis.url,
};
delete childEnv.DATABASE_MIGRATION_URL;
const env = parseEnv(childEnv);
const url = publicUrlOf(env);

await migrate(dev.url, { appRole: roleOf(dev.appUrl) });
const handle = createDb(dev.url, { max: 2 });
await setAsideForeignAnchors(handle.pool, env.AUDIT_ANCHOR_DIR);
const seed = await seedDemo(handle.db, demoPassword);
// The demo's supervisors, managers, administrators and partners get a second factor with a demo secret (docs/
// security.md "Second factor"), all but one, who sets it up at the first sign-in to show how that goes.
const enrolled = await enrolDemoSecondFactor(handle.db, {
  password: demoPassword,
  sealKey: notesKeyringOf({
    notesKey: env.NOTES_ENCRYPTION_KEY,
    notesKeyVersion: env.NOTES_KEY_VERSION,
    notesKeysOld: env.NOTES_ENCRYPTION_KEYS_OLD,
  }),
  except: [DEMO_NOT_ENROLLED],
});
// A year of calls, operator states and the records behind them (consultations, assessments, referrals,
// follow-ups), so the board's charts and the managers' statistics mean something at once (KORGON_DEMO_HISTORY=off
// to leave it out). Added once: a later start adds only the days missing.
const historyStarted = Date.now();
const history =
  env.KORGON_DEMO_HISTORY === 'off'
    ? null
    : await seedDemoHistory(handle.pool, {
        key: notesKeyringOf({
          notesKey: env.NOTES_ENCRYPTION_KEY,
          notesKeyVersion: env.NOTES_KEY_VERSION,
          notesKeysOld: env.NOTES_ENCRYPTION_KEYS_OLD,
        }),
        orderCheckinDays: env.FOLLOW_UP_ORDER_CHECKIN_DAYS,
      });
await handle.close();
const passwordLine = demoPasswordGiven
  ? '  Password: the value of KORGON_DEMO_PASSWORD'
  : seed.seeded
    ? `  Password (generated for this demo, kept in ${localEnvPath()}): ${demoPassword}`
    : `  Password: KORGON_DEMO_PASSWORD in ${localEnvPath()} (printed when the demo was first seeded)`;
if (seed.seeded) log(`demo seeded: ${seed.users.length} users, partner organisations, regions`);
if (seed.added.length > 0) log(`demo updated: new demo users ${seed.added.join(', ')}`);
if (seed.renamed.length > 0) log(`demo updated: real names for ${seed.renamed.join(', ')}`);
if (enrolled.length > 0) log(`demo second factor set up for ${enrolled.join(', ')}`);
if (history && history.calls + history.consultations > 0)
  log(
    `demo history: ${history.calls} calls over ${history.days} days, ${history.consultations} consultations, ` +
      `${history.assessments} risk assessments, ${history.referrals} referrals and ${history.followUps} follow-ups ` +
      `added in ${((Date.now() - historyStarted) / 1000).toFixed(1)} s (KORGON_DEMO_HISTORY=off to leave it out)`,
  );
if (seed.seeded && !demoPasswordGiven) console.log(passwordLine);

const children: ChildProcess[] = [];
let simulator: Simulator | undefined;
let stopping = false;

function launch(name: string, entry: string): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(root, entry)], {
    cwd: root,
    env: childEnv,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      log(`${name} exited (${signal ?? code}); stopping everything`);
      void stop(1);
    }
  });
  children.push(child);
  return child;
}

async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  log('stopping server, worker, Redis and database …');
  await simulator?.stop({ timeoutMs: 5000 }).catch(() => undefined);
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((res) => {
          if (c.exitCode !== null || c.signalCode !== null) return res();
          c.once('exit', () => res());
          c.kill('SIGTERM');
        }),
    ),
  );
  await redis.stop().catch(() => undefined);
  await dev.release();
  log('stopped');
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

launch('server', 'apps/server/src/main.ts');
launch('worker', 'apps/worker/src/main.ts');

/** `username   Organisation — type`, aligned, one line per demo partner user. */
function partnerLogins(): string[] {
  const partners = DEMO_USERS.filter((u) => u.partner);
  const width = Math.max(...partners.map((u) => u.username.length));
  return partners.map((u) => {
    const org = demoPartnerOf(u);
    const type = org?.type ? ` — ${PARTNER_TYPE_LABELS[org.type].en}` : '';
    return `    ${u.username.padEnd(width)}  ${org?.name.en ?? u.partner}${type}`;
  });
}

async function waitReady(timeoutMs = 90_000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until && !stopping) {
    try {
      const res = await fetch(`http://127.0.0.1:${env.PORT}/readyz`);
      if (res.ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

if (await waitReady()) {
  const lines = [
    '',
    '  Korgon is running.',
    `  Open ${url}`,
    '',
    `  Demo logins: ${DEMO_USERS.filter((u) => !u.partner)
      .map((u) => (u.extension ? `${u.username} (extension ${u.extension})` : u.username))
      .join(', ')}`,
    '  Partner portal logins, one for every type of partner organisation:',
    ...partnerLogins(),
    passwordLine,
    '  Second factor: operators sign in with the password alone; supervisors, managers, admins and partners',
    '  also enter a 6-digit code. `pnpm demo:code <username>` prints the current one, and the otpauth:// URI to',
    `  add the account to an authenticator app instead. ${DEMO_NOT_ENROLLED} has none yet: she sets one up at her first sign-in.`,
    `  API docs: ${url}/api/docs`,
    '  Stop with Ctrl-C.',
    '',
  ];
  console.log(lines.join('\n'));
  if (env.KORGON_SIMULATOR !== 'off') {
    // A simulated PBX rings the line for the demo (KORGON_SIMULATOR=off to stop it).
    simulator = createSimulator({
      url: `http://127.0.0.1:${env.PORT}`,
      secret: env.TELEPHONY_SECRET,
      extensions: ['101', '102', '103'],
      transferTo: ['110'],
      rate: 2,
      reportEvery: 300,
      log: (line) => log(`simulated PBX: ${line}`),
    });
    simulator.start();
    log(
      'a simulated PBX is ringing the 5200 line (about 2 calls a minute); KORGON_SIMULATOR=off to silence it',
    );
  }
} else if (!stopping) {
  log('the server did not become ready in 90 s; see the log above');
  await stop(1);
}

/**
 * A demo database made anew (dropped, or a fresh .data) starts an empty audit log, and the checkpoints of the
 * one before would rightly report it as cut (`pnpm audit:verify`). Only here, in the local demo, and only for
 * the default anchor directory: they are moved aside (kept, renamed), never deleted. A production never does
 * this: there an empty log beside its checkpoints is exactly what they are for.
 */
async function setAsideForeignAnchors(
  pool: Pick<Pool, 'query'>,
  configured: string | undefined,
): Promise<void> {
  if (configured) return;
  const file = resolve(auditAnchorDirOf(undefined), AUDIT_ANCHOR_FILE);
  if (!existsSync(file)) return;
  const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log');
  if ((rows[0]?.n ?? 0) > 0) return;
  const aside = `${file}.${new Date().toISOString().replaceAll(':', '-')}.earlier-database`;
  renameSync(file, aside);
  log(`audit checkpoints of an earlier demo database moved aside to ${aside}`);
}
