import {
  auditAnchorDirOf,
  backupDirOf,
  ConfigError,
  metricsAllowOf,
  publicUrlOf,
  SECRET_REDACT_PATHS,
} from '@korgon/config';
import { pino } from 'pino';
import { workerConfig } from './config';
import { createWorkerMetrics, serveWorkerMetrics } from './metrics';
import { startWorker } from './worker';

async function main() {
  let config: ReturnType<typeof workerConfig>;
  try {
    config = workerConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78);
    }
    throw err;
  }
  const log = pino({
    level: config.env.LOG_LEVEL,
    base: { service: 'worker' },
    // Nothing logs a key; should anything ever log a configuration object, its keys are hidden.
    redact: { paths: [...SECRET_REDACT_PATHS], censor: '[redacted]' },
  });
  const { env } = config;
  // Only with WORKER_METRICS_PORT: otherwise the worker serves no HTTP at all (docs/operations.md "Metrics").
  const metrics = env.WORKER_METRICS_PORT
    ? createWorkerMetrics({ backupDir: backupDirOf(env.BACKUP_DIR) })
    : undefined;
  const worker = await startWorker({
    metrics,
    databaseUrl: env.DATABASE_URL,
    redis: { url: env.REDIS_URL, prefix: env.REDIS_PREFIX },
    concurrency: config.concurrency,
    maxAttempts: env.REFERRAL_MAX_ATTEMPTS,
    backoffMs: env.JOB_BACKOFF_MS,
    lockDurationMs: env.WORKER_LOCK_MS,
    wrapUpSeconds: env.WRAP_UP_SECONDS,
    board: { thresholdSeconds: env.BOARD_SERVICE_LEVEL_SECONDS, shifts: env.BOARD_SHIFTS },
    alerts: {
      waitSeconds: env.ALERT_WAIT_SECONDS,
      wrapUpSeconds: env.ALERT_WRAP_UP_SECONDS,
      sweepSeconds: env.ALERT_SWEEP_SECONDS,
    },
    webhookPolicy: {
      allowHttp: env.PARTNER_WEBHOOK_ALLOW_HTTP,
      allowPrivate: env.PARTNER_WEBHOOK_ALLOW_PRIVATE,
    },
    log,
    notesKey: env.NOTES_ENCRYPTION_KEY,
    notesKeyVersion: env.NOTES_KEY_VERSION,
    notesKeysOld: env.NOTES_ENCRYPTION_KEYS_OLD,
    publicUrl: publicUrlOf(env),
    smtpUrl: env.SMTP_URL,
    mailFrom: env.MAIL_FROM,
    webhookTimeoutMs: env.WEBHOOK_TIMEOUT_MS,
    auditAnchor: { dir: auditAnchorDirOf(env.AUDIT_ANCHOR_DIR), key: env.AUDIT_ANCHOR_KEY },
    exports: {
      dir: env.EXPORTS_DIR,
      keepDays: env.EXPORTS_KEEP_DAYS,
      k: env.STATISTICS_MIN_CELL,
      thresholdSeconds: env.BOARD_SERVICE_LEVEL_SECONDS,
    },
  });
  const metricsServer =
    metrics && env.WORKER_METRICS_PORT
      ? await serveWorkerMetrics(metrics, {
          port: env.WORKER_METRICS_PORT,
          host: env.WORKER_METRICS_HOST,
          token: env.METRICS_TOKEN,
          allow: metricsAllowOf(env.METRICS_ALLOW) ?? [],
        })
      : undefined;
  if (metricsServer)
    log.info({ port: env.WORKER_METRICS_PORT, host: env.WORKER_METRICS_HOST }, 'worker metrics served');
  log.info({ workerId: worker.workerId }, 'Korgon worker ready');
  const shutdown = async (signal: string) => {
    log.info({ signal }, 'worker shutting down: finishing jobs in flight');
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    metricsServer?.close();
    await worker.stop();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

// A rejection nobody awaited would otherwise end the process silently: log it and exit non-zero, so the
// supervisor (Docker, systemd) starts a new worker; BullMQ's stalled-job check hands its jobs to the next one.
process.on('unhandledRejection', (err) => {
  console.error(
    'Korgon worker: unhandled rejection, exiting to be restarted:',
    err instanceof Error ? err.message : err,
  );
  process.exit(1);
});

main().catch((err) => {
  console.error('Korgon worker failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
