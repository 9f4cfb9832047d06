import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { resolve } from 'node:path';
import { createDb, migrate } from '@korgon/db';
import { enrolDemoSecondFactor, hashPassword, seedDemo } from '@korgon/server';
import { sealKeyFrom } from '@korgon/signing';
import { autosave } from './autosave';
import { boardMetricsMonth, boardRecompute, boardUpdate } from './board';
import { claimRace } from './claim-race';
import { followUpRaised } from './follow-ups';
import { ingestThroughput } from './ingest';
import type { BenchContext, BenchResult } from './lib/context';
import {
  cleanup,
  key32,
  log,
  onCleanup,
  openBenchDatabase,
  openBenchRedis,
  root,
  startServer,
} from './lib/services';
import { livePush } from './live-push';
import { referralDelivery } from './referrals';
import { statisticsExport } from './statistics-export';
import { statisticsTable } from './statistics-table';

/**
 * `pnpm bench [name …]`: benchmarks against real services on 127.0.0.1: a fresh database (the tests'
 * PostgreSQL choice), migrated and seeded, the tests' Redis choice with a key prefix of the run's own, and the
 * real server as its own production process. Each result is one `BENCH {json}` line on stdout, compared with a
 * baseline measured in the same run; all of them go to tests/bench/results/latest.json. Progress goes to
 * stderr. See tests/bench/README.md.
 */
const BENCHES: Record<string, (ctx: BenchContext) => Promise<BenchResult>> = {
  'live-push': livePush,
  'ingest-throughput': ingestThroughput,
  'claim-race': claimRace,
  'referral-delivery': referralDelivery,
  autosave,
  'follow-up-raised': followUpRaised,
  'board-update': boardUpdate,
  'board-recompute': boardRecompute,
  'board-metrics-month': boardMetricsMonth,
  'statistics-table': statisticsTable,
  'statistics-export': statisticsExport,
};
// A safety net, not a target: loading the statistics benches' million records takes minutes on a loaded
// machine (the facts triggers run for every statement), so a run may widen it (BENCH_DEADLINE_MINUTES).
const DEADLINE_MS = Number(process.env.BENCH_DEADLINE_MINUTES ?? 12) * 60_000;

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
for (const w of wanted) {
  if (!BENCHES[w]) {
    console.error(`unknown bench "${w}"; choose from: ${Object.keys(BENCHES).join(', ')}`);
    process.exit(64);
  }
}
const selected = wanted.length > 0 ? wanted : Object.keys(BENCHES);

const deadline = setTimeout(() => {
  log(`still running after ${DEADLINE_MS / 60_000} min: stopping`);
  void cleanup().finally(() => process.exit(2));
}, DEADLINE_MS);
deadline.unref();

async function main() {
  const startedAt = new Date();
  const t0 = Date.now();
  const db = await openBenchDatabase();
  log(`PostgreSQL: ${db.kind}; database ${new URL(db.url).pathname.slice(1)}`);
  const redis = await openBenchRedis();
  log(`Redis ${redis.version}: ${redis.kind} (${redis.url}); key prefix ${redis.prefix}:`);
  await migrate(db.url);
  const handle = createDb(db.url, { max: 4, applicationName: 'korgon-bench' });
  onCleanup(() => handle.close());
  const password = `bench-${key32().slice(0, 16)}`;
  await seedDemo(handle.db, password);
  const benchOperators = Array.from({ length: 50 }, (_, i) => `bench-op-${String(i + 1).padStart(2, '0')}`);
  const hash = await hashPassword(password);
  await handle.pool.query(
    `INSERT INTO users (username, display_name, password_hash, role, locale)
     SELECT u, 'Bench ' || u, $2, 'operator', 'en' FROM unnest($1::text[]) AS u`,
    [benchOperators, hash],
  );
  const { rows: version } = await handle.pool.query<{ v: string }>(
    "SELECT current_setting('server_version') AS v",
  );

  const secrets = {
    SESSION_SECRET: key32(),
    CALLER_HMAC_KEY: key32(),
    NOTES_ENCRYPTION_KEY: key32(),
    TELEPHONY_SECRET: key32(),
    AUDIT_ANCHOR_KEY: key32(),
    METRICS_TOKEN: key32(),
  };
  // The demo's supervisors, managers, admins and partners sign in with a second factor (lib/context.ts signIn).
  await enrolDemoSecondFactor(handle.db, { password, sealKey: sealKeyFrom(secrets.NOTES_ENCRYPTION_KEY, 1) });
  const server = await startServer(db.url, redis, secrets);
  log(`server ready at ${server.url} (${Math.round((Date.now() - t0) / 1000)} s of setup)`);
  const ctx: BenchContext = {
    server,
    pool: handle.pool,
    databaseUrl: db.url,
    redis,
    secrets,
    password,
    benchOperators,
  };

  const results: BenchResult[] = [];
  for (const name of selected) {
    const started = Date.now();
    // Other work on the machine skews every figure: note how busy it was.
    const loadBefore = os.loadavg()[0] ?? 0;
    let result: BenchResult;
    try {
      result = await (BENCHES[name] as (c: BenchContext) => Promise<BenchResult>)(ctx);
    } catch (err) {
      result = { name, error: (err as Error).message };
    }
    result.wall_s = Math.round((Date.now() - started) / 100) / 10;
    result.loadavg_1m = [loadBefore, os.loadavg()[0] ?? 0].map((v) => Math.round(v * 100) / 100);
    if (server.child.exitCode !== null) result.server_exited = server.child.exitCode;
    console.log(`BENCH ${JSON.stringify(result)}`);
    results.push(result);
    if (server.child.exitCode !== null) break;
  }

  const dir = resolve(root, 'tests/bench/results');
  mkdirSync(dir, { recursive: true });
  const file = resolve(dir, 'latest.json');
  const cpus = os.cpus();
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        startedAt: startedAt.toISOString(),
        seconds: Math.round((Date.now() - t0) / 1000),
        machine: {
          cpus: cpus.length,
          cpu: cpus[0]?.model ?? 'unknown',
          memory_gb: Math.round(os.totalmem() / 2 ** 30),
          node: process.version,
          postgres: `${version[0]?.v ?? '?'} (${db.kind})`,
          redis: `${redis.version} (${redis.kind})`,
        },
        server_log_lines: server.output.length,
        server_log_sample: server.output.slice(0, 20),
        results,
      },
      null,
      2,
    )}\n`,
  );
  log(`wrote ${file} (${Math.round((Date.now() - t0) / 1000)} s in all)`);
  return results.some((r) => r.error) ? 1 : 0;
}

let code = 1;
try {
  code = await main();
} catch (err) {
  log(`failed: ${(err as Error).stack ?? String(err)}`);
} finally {
  await cleanup();
}
process.exit(code);
