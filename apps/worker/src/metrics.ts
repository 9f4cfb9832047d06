import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { AllowedNet } from '@korgon/config';
import { BACKUP_STATUS_FILE, metricsAccess } from '@korgon/config';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * What only the worker knows: how long its jobs run, and the push lag of the queue changes it makes (a call
 * closed as lost, a wrap-up ended). Its own registry, served by serveWorkerMetrics on WORKER_METRICS_PORT.
 * Labels are a queue, a job's type and an outcome: never a job's id (which can hold a referral's id).
 */
export interface WorkerMetrics {
  registry: Registry;
  jobDuration: Histogram;
  pushLag: Histogram;
}

/**
 * When the last backup succeeded (seconds since the epoch), from the record `pnpm db:backup` writes beside its
 * backups (BACKUP_DIR/last-backup.json); 0 when there is none or it cannot be read. A file, not a table row: a
 * restore would bring back the row of the backup it restores, and the record of a backup must outlive the
 * database it was taken from.
 */
export async function lastBackupAt(dir: string): Promise<number> {
  try {
    const record = JSON.parse(await readFile(join(dir, BACKUP_STATUS_FILE), 'utf8')) as { at?: unknown };
    const at = typeof record.at === 'string' ? Date.parse(record.at) : Number.NaN;
    return Number.isNaN(at) ? 0 : at / 1000;
  } catch {
    return 0;
  }
}

export function createWorkerMetrics(opts: { backupDir?: string } = {}): WorkerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const { backupDir } = opts;
  if (backupDir)
    new Gauge({
      name: 'korgon_backup_last_success_timestamp_seconds',
      help: 'When `pnpm db:backup` last succeeded (BACKUP_DIR/last-backup.json); 0 when it never did',
      registers: [registry],
      async collect() {
        this.set(await lastBackupAt(backupDir));
      },
    });
  return {
    registry,
    jobDuration: new Histogram({
      name: 'korgon_job_duration_seconds',
      help: "A job attempt's run, by queue, job type and outcome (completed, failed)",
      labelNames: ['queue', 'job', 'outcome'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
    pushLag: new Histogram({
      name: 'korgon_queue_push_lag_seconds',
      help: 'From the start of a live-queue change to its push to the consoles (lock waits and retries included)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
  };
}

/**
 * GET /metrics of the worker, guarded as the server's is (METRICS_ALLOW, METRICS_TOKEN); anything else is 404.
 * Resolves once it listens.
 */
export async function serveWorkerMetrics(
  metrics: WorkerMetrics,
  opts: { port: number; host: string; token: string | undefined; allow: AllowedNet[] | 'any' },
): Promise<Server> {
  const refuse = metricsAccess({ token: opts.token, allow: opts.allow });
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    const json = (status: number, body: object, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET' || path !== '/metrics')
      return json(404, { code: 'not_found', message: 'The worker serves GET /metrics only.' });
    const refusal = refuse(req.socket.remoteAddress ?? '', req.headers.authorization);
    if (refusal === 'address')
      return json(403, {
        code: 'forbidden',
        message: 'Metrics are read only from the addresses in METRICS_ALLOW (docs/operations.md).',
      });
    if (refusal === 'token')
      return json(
        401,
        {
          code: 'unauthenticated',
          message: 'Send Authorization: Bearer <METRICS_TOKEN> to read the metrics (docs/operations.md).',
        },
        { 'www-authenticate': 'Bearer realm="metrics"' },
      );
    metrics.registry.metrics().then(
      (body) => {
        res.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' });
        res.end(body);
      },
      () => json(500, { code: 'internal', message: 'The metrics could not be collected; see the log.' }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  return server;
}
