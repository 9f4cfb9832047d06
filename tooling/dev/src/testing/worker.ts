import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Env } from '@korgon/config';
import type { Clock } from '@korgon/domain';
import { JobQueues } from '@korgon/jobs';
import { startWorker, type WorkerHandle, type WorkerMetrics } from '@korgon/worker';
import { pino } from 'pino';
import { appRoleUrl } from './fresh-database';

/** A real worker (BullMQ workers in this process) for a test app's database, Redis and configuration. */
export function startTestWorker(
  databaseUrl: string,
  env: Pick<
    Env,
    'NOTES_ENCRYPTION_KEY' | 'NOTES_KEY_VERSION' | 'REDIS_URL' | 'REDIS_PREFIX' | 'JOB_BACKOFF_MS'
  > & {
    NOTES_ENCRYPTION_KEYS_OLD?: Env['NOTES_ENCRYPTION_KEYS_OLD'];
    PUBLIC_URL?: string | undefined;
    REFERRAL_MAX_ATTEMPTS?: number;
    PARTNER_WEBHOOK_ALLOW_HTTP?: boolean;
    PARTNER_WEBHOOK_ALLOW_PRIVATE?: boolean;
    WRAP_UP_SECONDS?: number;
    ALERT_WAIT_SECONDS?: number;
    ALERT_WRAP_UP_SECONDS?: number;
    ALERT_SWEEP_SECONDS?: number;
    EXPORTS_DIR?: string | undefined;
    EXPORTS_KEEP_DAYS?: number;
    STATISTICS_MIN_CELL?: number;
    BOARD_SERVICE_LEVEL_SECONDS?: number;
    AUDIT_ANCHOR_DIR?: string | undefined;
    AUDIT_ANCHOR_KEY?: string;
  },
  extra: {
    smtpUrl?: string;
    webhookTimeoutMs?: number;
    concurrency?: number;
    lockDurationMs?: number;
    /** The test's clock, shared with its server (follow-up times). */
    clock?: Clock;
    /** Where the worker records job durations and push lags (tests of its /metrics). */
    metrics?: WorkerMetrics;
  } = {},
): Promise<WorkerHandle> {
  return startWorker({
    // As the application's role, as in production (see testEnv).
    databaseUrl: appRoleUrl(databaseUrl) ?? databaseUrl,
    redis: { url: env.REDIS_URL, prefix: env.REDIS_PREFIX },
    backoffMs: env.JOB_BACKOFF_MS,
    maxAttempts: env.REFERRAL_MAX_ATTEMPTS,
    lockDurationMs: extra.lockDurationMs,
    wrapUpSeconds: env.WRAP_UP_SECONDS,
    alerts: {
      waitSeconds: env.ALERT_WAIT_SECONDS ?? 60,
      wrapUpSeconds: env.ALERT_WRAP_UP_SECONDS ?? 300,
      sweepSeconds: env.ALERT_SWEEP_SECONDS ?? 5,
    },
    // Test partners listen on http://127.0.0.1 (as testEnv allows).
    webhookPolicy: {
      allowHttp: env.PARTNER_WEBHOOK_ALLOW_HTTP ?? true,
      allowPrivate: env.PARTNER_WEBHOOK_ALLOW_PRIVATE ?? true,
    },
    concurrency: extra.concurrency ?? 4,
    log: pino({ level: process.env.WORKER_LOG ?? 'silent' }),
    notesKey: env.NOTES_ENCRYPTION_KEY,
    notesKeyVersion: env.NOTES_KEY_VERSION,
    notesKeysOld: env.NOTES_ENCRYPTION_KEYS_OLD,
    publicUrl: env.PUBLIC_URL ?? 'http://localhost:8080',
    smtpUrl: extra.smtpUrl,
    webhookTimeoutMs: extra.webhookTimeoutMs ?? 2000,
    clock: extra.clock,
    metrics: extra.metrics,
    // Each test's checkpoints apart, outside the repository (testEnv gives each app a directory of its own).
    auditAnchor: {
      dir: env.AUDIT_ANCHOR_DIR ?? join(tmpdir(), `korgon-anchors-${randomBytes(6).toString('hex')}`),
      key: env.AUDIT_ANCHOR_KEY ?? randomBytes(32).toString('base64'),
    },
    exports: {
      dir: env.EXPORTS_DIR,
      keepDays: env.EXPORTS_KEEP_DAYS ?? 30,
      k: env.STATISTICS_MIN_CELL ?? 10,
      thresholdSeconds: env.BOARD_SERVICE_LEVEL_SECONDS ?? 20,
    },
  });
}

/** The job queues of a test app's Redis prefix, to look at or add jobs as a producer would. */
export function testQueues(env: Pick<Env, 'REDIS_URL' | 'REDIS_PREFIX' | 'JOB_BACKOFF_MS'>): JobQueues {
  return new JobQueues({ url: env.REDIS_URL, prefix: env.REDIS_PREFIX, backoffMs: env.JOB_BACKOFF_MS });
}
