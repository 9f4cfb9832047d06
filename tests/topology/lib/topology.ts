import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDb, type DbHandle } from '@korgon/db';
import { freePort } from '@korgon/dev/postgres';
import {
  callEvent,
  enrolTestDemo,
  freshDatabase,
  PROCESS_SECRETS,
  type ServerProcess,
  startProcess,
  startWebhookPartner,
  TEST_PASSWORD,
  testRedis,
  waitForUrl,
} from '@korgon/dev/testing';
import { JobQueues } from '@korgon/jobs';
import { seedDemo } from '@korgon/server';
import { signedHeaders } from '@korgon/signing';
import {
  cleanupStack,
  type Partner,
  processEnv,
  startServerProcess,
  stopProcess,
} from '../../integration/lib/faults';
import { type Nginx, startNginx } from './nginx';

/**
 * The production topology on loopback, every part real: nginx (the shipped configuration) in front of two
 * server processes, two worker processes, this run's PostgreSQL (a database of the test's own) and Redis (a key
 * prefix of its own), and a webhook partner that records each referral's effect once per Idempotency-Key.
 */
export interface Topology {
  nginx: Nginx;
  /** The address clients use: nginx (its plain-HTTP server with the shipped locations). */
  base: string;
  ports: { a: number; b: number };
  servers: { a: ServerProcess; b: ServerProcess };
  workers: { w1: ServerProcess; w2: ServerProcess };
  env: Record<string, string>;
  db: DbHandle;
  jobs: JobQueues;
  partner: Partner;
  /** The partner's address as registered: a proxy to it that answers after `partnerDelayMs`. */
  partnerUrl: string;
  /** The partner checks signatures with the secret an administrator made for it. */
  setPartnerSecret: (secret: string) => void;
  setPartnerDelay: (ms: number) => void;
  /** Deliveries reaching the partner wait (each a running job) until released. */
  holdPartner: () => void;
  releasePartner: () => void;
  heldDeliveries: () => number;
  restartServer: (which: 'a' | 'b') => Promise<ServerProcess>;
  startWorker: (which: 'w1' | 'w2') => Promise<ServerProcess>;
  close: () => Promise<void>;
}

/**
 * The partner as the workers see it: forwards each request to `target`, after a delay or, while held, only once
 * released, so that deliveries are certainly running when a worker is stopped.
 */
async function slowProxy(
  target: string,
  delay: () => number,
): Promise<{ url: string; server: Server; hold: () => void; release: () => void; held: () => number }> {
  const to = new URL(target);
  let holding = false;
  let waiting: (() => void)[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const go = () => {
        const out = httpRequest(
          { host: to.hostname, port: to.port, path: to.pathname, method: req.method, headers: req.headers },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        out.on('error', () => res.writeHead(502).end());
        out.end(Buffer.concat(chunks));
      };
      if (holding) waiting.push(go);
      else setTimeout(go, delay());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/referrals`,
    server,
    hold: () => {
      holding = true;
    },
    release: () => {
      holding = false;
      for (const go of waiting) go();
      waiting = [];
    },
    held: () => waiting.length,
  };
}

/**
 * A worker process, once it says it is ready: only then does it handle SIGTERM (apps/worker/src/main.ts installs
 * its handler after the start), so a test stops only ready workers.
 */
async function startWorkerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const w = startProcess('worker', { ...env, LOG_LEVEL: 'info' });
  const until = Date.now() + 60_000;
  while (!w.output().includes('Korgon worker ready')) {
    if (w.child.exitCode !== null || Date.now() > until)
      throw new Error(`the worker did not start:\n${w.output().slice(-3000)}`);
    await sleep(50);
  }
  return w;
}

export async function startTopology(label: string, extra: Record<string, string> = {}): Promise<Topology> {
  const cleanup = cleanupStack();
  try {
    const databaseUrl = await freshDatabase(label);
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
    let partnerDelayMs = 0;
    const slow = await slowProxy(partner.url, () => partnerDelayMs);
    cleanup.add('slow partner proxy', async () => {
      slow.release();
      slow.server.closeAllConnections();
      await new Promise<void>((r) => slow.server.close(() => r()));
    });

    const [a, b, plainPort, httpPort, tlsPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const nginx = await startNginx({ upstreams: [a, b], plainPort, httpPort, tlsPort });
    cleanup.add('nginx', () => nginx.stop());
    const base = nginx.plainBase;
    // As in production behind the proxy: TRUST_PROXY. A short job lock, so that a killed worker's jobs are
    // found stalled within seconds (production: 15 s).
    const env = processEnv(databaseUrl, base, redis, {
      TRUST_PROXY: 'true',
      REFERRAL_MAX_ATTEMPTS: '25',
      // Longer than a test holds deliveries at the partner: a timed-out delivery would be sent again.
      WEBHOOK_TIMEOUT_MS: '60000',
      WORKER_LOCK_MS: '4000',
      ...extra,
    });
    const servers = {
      a: await startServerProcess(env, a),
      b: await startServerProcess(env, b),
    };
    cleanup.add('server a', () => stopProcess(servers.a));
    cleanup.add('server b', () => stopProcess(servers.b));
    const workers = { w1: await startWorkerProcess(env), w2: await startWorkerProcess(env) };
    cleanup.add('worker 1', () => stopProcess(workers.w1));
    cleanup.add('worker 2', () => stopProcess(workers.w2));
    const t: Topology = {
      nginx,
      base,
      ports: { a, b },
      servers,
      workers,
      env,
      db,
      jobs,
      partner,
      partnerUrl: slow.url,
      setPartnerSecret: (s) => {
        secret = s;
      },
      setPartnerDelay: (ms) => {
        partnerDelayMs = ms;
      },
      holdPartner: slow.hold,
      releasePartner: slow.release,
      heldDeliveries: slow.held,
      restartServer: async (which) => {
        try {
          // A restart on a machine busy with the other processes' work: up to two minutes.
          const s = startProcess('server', {
            ...env,
            PORT: String(which === 'a' ? a : b),
            HOST: '127.0.0.1',
          });
          servers[which] = s;
          await waitForUrl(`http://127.0.0.1:${which === 'a' ? a : b}/healthz`, 120_000).catch(
            (err: Error) => {
              throw new Error(`${err.message}; server output:\n${s.output().slice(-3000)}`);
            },
          );
          return s;
        } catch (err) {
          const { rows } = await db.pool.query(
            `SELECT pid, application_name, state, wait_event_type, wait_event, left(query, 160) AS query,
                    round(extract(epoch FROM now() - xact_start)) AS xact_seconds
               FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
          );
          throw new Error(
            `${(err as Error).message}\nPostgreSQL sessions:\n${JSON.stringify(rows, null, 1)}`,
          );
        }
      },
      startWorker: async (which) => {
        const w = await startWorkerProcess(env);
        workers[which] = w;
        return w;
      },
      close: () => cleanup.run(),
    };
    return t;
  } catch (err) {
    await cleanup.run();
    throw err;
  }
}

/** PBX events, signed as the PBX signs them, posted to `base` (nginx or one server directly). */
export async function postEvents(base: string, events: unknown): Promise<Response> {
  const body = JSON.stringify(events);
  return fetch(`${base}/api/telephony/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signedHeaders(PROCESS_SECRETS.TELEPHONY_SECRET, body) },
    body,
    signal: AbortSignal.timeout(20_000),
  });
}

/** A new call waiting in the queue, offered by the PBX. */
export const offered = (callId: string) => callEvent(callId, 'call.offered', new Date());

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
