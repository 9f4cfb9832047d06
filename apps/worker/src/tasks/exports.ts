import { type ExportProgress, rooms } from '@korgon/domain';
import {
  createMonthlyExport,
  expireExports,
  exportsDirOf,
  previousMonth,
  type RunDeps,
  runExport,
} from '@korgon/statistics';
import type pg from 'pg';
import type { KorgonEmitter } from '../push';
import type { Attempt } from './referral-deliver';

export interface ExportSettings {
  /** EXPORTS_DIR; <repo>/var/exports when not set. */
  dir?: string | undefined;
  /** EXPORTS_KEEP_DAYS. */
  keepDays: number;
  /** STATISTICS_MIN_CELL. */
  k: number;
  /** BOARD_SERVICE_LEVEL_SECONDS. */
  thresholdSeconds: number;
}

/**
 * The progress of an export to whoever waits for it: its requester's consoles; a monthly report, which every
 * manager may download, to the managers.
 */
export function exportPush(emitter: KorgonEmitter) {
  return (e: ExportProgress, requestedBy: string | null) => {
    const to = e.report === 'monthly' ? [rooms.role('manager')] : [];
    if (requestedBy) to.push(rooms.user(requestedBy));
    if (to.length > 0) emitter.to(to).emit('export:progress', e);
  };
}

/** `export.run`: writes the file (packages/statistics export-run.ts). */
export function exportRun(
  pool: pg.Pool,
  settings: ExportSettings,
  emitter: KorgonEmitter,
  /** After an export is written (the monthly report anchors the audit chain); not called when none was. */
  written: (e: { report: string; state: string }) => Promise<unknown> = async () => undefined,
) {
  const deps: RunDeps = { pool, ...settings, dir: exportsDirOf(settings.dir), push: exportPush(emitter) };
  return async (data: { exportId: string }, attempt: Attempt): Promise<void> => {
    const done = await runExport(deps, data.exportId, attempt);
    if (done) await written(done);
  };
}

/** `exports.expire`: removes the files whose EXPORTS_KEEP_DAYS are over. */
export function exportsExpire(pool: pg.Pool, dir: string | undefined, log: (msg: string) => void) {
  return async (): Promise<void> => {
    const n = await expireExports(pool, exportsDirOf(dir));
    if (n > 0) log(`removed ${n} expired export files`);
  };
}

/**
 * `report.monthly`: the Ministry's report of the month before (the scheduler runs on the 1st at 02:00
 * Asia/Bishkek), made once per month, then written by its `export.run`.
 */
export function reportMonthly(
  pool: pg.Pool,
  now: () => Date,
  enqueue: (exportId: string) => Promise<void>,
  push: (e: ExportProgress, requestedBy: string | null) => void,
) {
  return async (): Promise<void> => {
    const { id, created } = await createMonthlyExport(pool, previousMonth(now()), null);
    if (!created) return;
    push({ id, report: 'monthly', state: 'queued', progress: 0, rows: 0 }, null);
    await enqueue(id);
  };
}
