import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, renameSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import {
  auditAnchorDirOf,
  ensureLocalSecrets,
  findRepoRoot,
  listenHostOf,
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
import { ensureConsoleBuilt } from './console-build';
import { type DevDatabase, dataDir, openDevDatabase } from './dev-database';
import { type RedisServer, resolveRedis } from './redis';
import { createSimulator, type Simulator } from './simulator/index';
import { createTerminal } from './terminal';

/**
 * `pnpm start`: one command for a working demo. Builds the console when its sources changed, picks a
 * PostgreSQL and a Redis (env, local, embedded), migrates, seeds once, starts the server and the worker, and
 * prints the URL and logins last, framed. `pnpm start --quiet` shows that banner and nothing else but errors.
 *
 * Ctrl-C (or SIGTERM) stops it in order: the simulated PBX first (it sends what it has, or cancels it), then
 * the server and the worker, then Redis and PostgreSQL when they were started here. The server and the worker
 * run in process groups of their own, so the terminal's Ctrl-C reaches only this process, which stops them
 * in that order. A second Ctrl-C exits at once.
 */
const args = process.argv.slice(2).filter((a) => a !== '--');
const unknown = args.filter((a) => a !== '--quiet' && a !== '-q');
if (unknown.length > 0) {
  console.error(`pnpm start: unknown option ${unknown.join(' ')} (known: --quiet)`);
  process.exit(64);
}
const quiet = args.length > 0;
const term = createTerminal({ quiet });
const log = (line: string) => term.log(line);
const fail = (line: string) => term.log(line, { level: 'error' });

const root = findRepoRoot();
const children: { name: string; child: ChildProcess }[] = [];
let simulator: Simulator | undefined;
let dev: DevDatabase | undefined;
let redis: RedisServer | undefined;
let stopping = false;
let signals = 0;

function onSignal(signal: NodeJS.Signals) {
  signals++;
  if (signals === 1) {
    void stop(0);
    return;
  }
  term.final(`Korgon: ${signal} again, exiting at once (the server and the worker are killed)`);
  process.exit(130);
}
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
// Whatever way this process ends, it takes its children along (they are in process groups of their own).
process.on('exit', () => {
  for (const { child } of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

async function stop(code: number) {
  if (stopping) return;
  stopping = true;
  process.stdin.pause();
  log('stopping: the simulated PBX, then the server and the worker, then Redis and PostgreSQL');
  if (simulator) {
    await simulator.stop({ timeoutMs: 5000 }).catch((err: Error) => fail(`simulated PBX: ${err.message}`));
  }
  await Promise.all(children.map(({ name, child }) => stopChild(name, child)));
  if (redis?.kind === 'embedded') {
    await redis.stop().catch((err: Error) => fail(`embedded Redis did not stop cleanly: ${err.message}`));
    log('embedded Redis stopped');
  }
  if (dev?.server.kind === 'embedded') {
    await dev
      .release()
      .catch((err: Error) => fail(`embedded PostgreSQL did not stop cleanly: ${err.message}`));
    log('embedded PostgreSQL stopped');
  }
  term.final(code === 0 ? 'Korgon stopped.' : `Korgon stopped (exit ${code}).`);
  process.exit(code);
}

function stopChild(name: string, child: ChildProcess): Promise<void> {
  return new Promise<void>((res) => {
    if (child.exitCode !== null || child.signalCode !== null) return res();
    child.once('exit', (code, signal) => {
      if (code === 0 || signal === 'SIGTERM') log(`${name} stopped`);
      else fail(`${name} stopped with exit ${signal ?? code}`);
      res();
    });
    child.kill('SIGTERM');
  });
}

async function main() {
  if (process.env.CONSOLE_DIST) {
    log(`the console is served from CONSOLE_DIST (${process.env.CONSOLE_DIST}); not building it`);
  } else {
    log('checking whether the console needs a build');
    const built = await ensureConsoleBuilt({ quiet });
    log(built === 'built' ? 'console built' : 'console up to date with its sources: not rebuilt');
  }
  if (stopping) return;

  const demoPasswordGiven = Boolean(process.env.KORGON_DEMO_PASSWORD);
  const local = ensureLocalSecrets(
    demoPasswordGiven ? {} : { KORGON_DEMO_PASSWORD: () => `korgon-${randomBytes(6).toString('base64url')}` },
  );
  const demoPassword = process.env.KORGON_DEMO_PASSWORD ?? local.KORGON_DEMO_PASSWORD ?? '';

  dev = await openDevDatabase(log);
  log(
    `PostgreSQL: ${dev.server.kind === 'env' ? 'DATABASE_URL' : dev.server.kind === 'local' ? `127.0.0.1:5432, database ${new URL(dev.url).pathname.slice(1)}` : 'embedded (data in .data/pg)'}`,
  );
  redis = await resolveRedis({
    redisUrl: process.env.REDIS_URL || undefined,
    embeddedDir: resolve(dataDir, 'redis'),
    persistent: true,
    log,
  });
  log(
    `Redis: ${redis.kind === 'env' ? 'REDIS_URL' : redis.kind === 'local' ? '127.0.0.1:6379' : `embedded (data in .data/redis, ${redis.url})`}`,
  );

  // The server and the worker connect as the application's role, which owns nothing and may only append to
  // the audit log; this process migrates and seeds as the owner (docs/deploy.md "Least privilege"). The
  // children get no owner URL: the migrations are applied here.
  const childEnv: NodeJS.ProcessEnv = {
    ...local,
    ...process.env,
    DATABASE_URL: dev.appUrl,
    REDIS_URL: redis.url,
    // --quiet: the children log only what would be shown.
    ...(quiet && !process.env.LOG_LEVEL && { LOG_LEVEL: 'error' }),
  };
  delete childEnv.DATABASE_MIGRATION_URL;
  const env = parseEnv(childEnv);
  const url = publicUrlOf(env);
  const host = listenHostOf(env);

  await migrate(dev.url, { appRole: roleOf(dev.appUrl) });
  const handle = createDb(dev.url, { max: 2 });
  await setAsideForeignAnchors(handle.pool, env.AUDIT_ANCHOR_DIR);
  const seed = await seedDemo(handle.db, demoPassword);
  const keyring = notesKeyringOf({
    notesKey: env.NOTES_ENCRYPTION_KEY,
    notesKeyVersion: env.NOTES_KEY_VERSION,
    notesKeysOld: env.NOTES_ENCRYPTION_KEYS_OLD,
  });
  // The demo's supervisors, managers, administrators and partners get a second factor with a demo secret
  // (docs/security.md "Second factor"), all but one, who sets it up at the first sign-in to show how that goes.
  const enrolled = await enrolDemoSecondFactor(handle.db, {
    password: demoPassword,
    sealKey: keyring,
    except: [DEMO_NOT_ENROLLED],
  });
  // A year of calls, operator states and the records behind them (consultations, assessments, referrals,
  // follow-ups), so the board's charts and the managers' statistics mean something at once
  // (KORGON_DEMO_HISTORY=off to leave it out). Added once: a later start adds only the days missing.
  const historyStarted = Date.now();
  const history =
    env.KORGON_DEMO_HISTORY === 'off'
      ? null
      : await seedDemoHistory(handle.pool, {
          key: keyring,
          orderCheckinDays: env.FOLLOW_UP_ORDER_CHECKIN_DAYS,
        });
  await handle.close();
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
  if (stopping) return;

  launch('server', 'apps/server/src/main.ts', childEnv);
  launch('worker', 'apps/worker/src/main.ts', childEnv);
  // The server listens on HOST (this machine only, unless HOST says otherwise); it is asked here directly.
  const probe = `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host}:${env.PORT}`;
  if (!(await waitReady(`${probe}/readyz`))) {
    if (stopping) return;
    fail('the server did not become ready in 90 s; see the log above');
    await stop(1);
    return;
  }
  if (stopping) return;

  if (env.KORGON_SIMULATOR !== 'off') {
    // A simulated PBX rings the line for the demo (KORGON_SIMULATOR=off to stop it).
    simulator = createSimulator({
      url: probe,
      secret: env.TELEPHONY_SECRET,
      extensions: ['101', '102', '103'],
      transferTo: ['110'],
      rate: 2,
      reportEvery: 300,
      log: (line) => term.log(line, { source: 'simulator' }),
    });
    simulator.start();
    log(
      'a simulated PBX is ringing the 5200 line (about 2 calls a minute); KORGON_SIMULATOR=off to silence it',
    );
  }

  const passwordLine = demoPasswordGiven
    ? 'Password: the value of KORGON_DEMO_PASSWORD'
    : seed.seeded
      ? `Password (generated for this demo, kept in ${localEnvPath()}): ${demoPassword}`
      : `Password: KORGON_DEMO_PASSWORD in ${localEnvPath()} (printed when the demo was first seeded)`;
  const reprint = Boolean(process.stdin.isTTY);
  const lines = [
    'Korgon is running.',
    `Open ${url}${host === '127.0.0.1' ? ' (this machine only; HOST=0.0.0.0 to open it to the network)' : ` (listening on ${host})`}`,
    '',
    `Demo logins: ${DEMO_USERS.filter((u) => !u.partner)
      .map((u) => (u.extension ? `${u.username} (extension ${u.extension})` : u.username))
      .join(', ')}`,
    'Partner portal logins, one for every type of partner organisation:',
    ...partnerLogins(),
    passwordLine,
    'Second factor: operators sign in with the password alone; supervisors, managers, admins and partners',
    'also enter a 6-digit code. `pnpm demo:code <username>` prints the current one, and the otpauth:// URI to',
    `add the account to an authenticator app instead. ${DEMO_NOT_ENROLLED} has none yet: she sets one up at her first sign-in.`,
    `API docs: ${url}/api/docs`,
    '',
    `Stop with Ctrl-C.${reprint ? ' Press Enter to show this again.' : ''}`,
  ];
  term.banner(lines);
  if (reprint) {
    // Line mode: Ctrl-C still reaches this process as SIGINT.
    createInterface({ input: process.stdin, terminal: false }).on('line', () => {
      if (!stopping) term.banner(lines);
    });
  }
}

function launch(name: string, entry: string, env: NodeJS.ProcessEnv): void {
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(root, entry)], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    // A process group of its own: the terminal's Ctrl-C is for this process, which stops the children in order.
    detached: true,
  });
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) createInterface({ input: stream }).on('line', (line) => term.childLine(name, line));
  }
  child.on('exit', (code, signal) => {
    if (!stopping) {
      fail(`${name} exited (${signal ?? code}); stopping everything`);
      void stop(1);
    }
  });
  children.push({ name, child });
}

/** `username   Organisation — type`, aligned, one line per demo partner user. */
function partnerLogins(): string[] {
  const partners = DEMO_USERS.filter((u) => u.partner);
  const width = Math.max(...partners.map((u) => u.username.length));
  return partners.map((u) => {
    const org = demoPartnerOf(u);
    const type = org?.type ? ` — ${PARTNER_TYPE_LABELS[org.type].en}` : '';
    return `  ${u.username.padEnd(width)}  ${org?.name.en ?? u.partner}${type}`;
  });
}

async function waitReady(readyz: string, timeoutMs = 90_000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until && !stopping) {
    try {
      const res = await fetch(readyz);
      if (res.ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
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

main().catch(async (err: Error) => {
  // Ctrl-C during the start ends what was under way (the console's build gets it too): not a failure.
  if (stopping) return;
  fail(`could not start: ${err.message}`);
  await stop(1);
});
