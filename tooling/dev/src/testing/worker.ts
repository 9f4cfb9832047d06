import type { Env } from '@korgon/config';
import { startWorker, type WorkerHandle } from '@korgon/worker';
import { pino } from 'pino';

/** A real worker (graphile-worker in this process) for a test app's database and configuration. */
export function startTestWorker(
  databaseUrl: string,
  env: Pick<Env, 'NOTES_ENCRYPTION_KEY' | 'NOTES_KEY_VERSION'> & { PUBLIC_URL?: string | undefined },
  extra: { smtpUrl?: string; webhookTimeoutMs?: number; concurrency?: number } = {},
): Promise<WorkerHandle> {
  return startWorker({
    databaseUrl,
    concurrency: extra.concurrency ?? 4,
    log: pino({ level: process.env.WORKER_LOG ?? 'silent' }),
    notesKey: env.NOTES_ENCRYPTION_KEY,
    notesKeyVersion: env.NOTES_KEY_VERSION,
    publicUrl: env.PUBLIC_URL ?? 'http://localhost:8080',
    smtpUrl: extra.smtpUrl,
    webhookTimeoutMs: extra.webhookTimeoutMs ?? 2000,
  });
}
