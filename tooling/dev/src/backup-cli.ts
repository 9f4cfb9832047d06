import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { auditAnchorDirOf, backupDirOf, readLocalEnv } from '@korgon/config';
import { BackupError, backupDatabase, shownUrl } from './backup';
import { openDevDatabase } from './dev-database';

/**
 * `pnpm db:backup [--out <dir>]`: a pg_dump (custom format) of the database of DATABASE_MIGRATION_URL (the owner)
 * or DATABASE_URL, with a copy of the audit chain's checkpoints (AUDIT_ANCHOR_DIR) and checksums, in a directory
 * `korgon-<UTC time>/` under BACKUP_DIR (default var/backups); then records the success in
 * BACKUP_DIR/last-backup.json for the worker's metric (docs/operations.md "Backups and restore"). Exit 1, saying
 * why, when it fails; nothing is recorded then.
 */
let args: { out?: string | undefined };
try {
  ({ values: args } = parseArgs({ options: { out: { type: 'string' } } }));
} catch (err) {
  console.error(`${(err as Error).message}\nusage: pnpm db:backup [--out <dir>]`);
  process.exit(2);
}
const local = process.env.NODE_ENV === 'production' ? {} : readLocalEnv();
const outDir = args.out ? resolve(args.out) : backupDirOf(process.env.BACKUP_DIR || local.BACKUP_DIR);
const anchorDir = auditAnchorDirOf(process.env.AUDIT_ANCHOR_DIR || local.AUDIT_ANCHOR_DIR);

const dev = await openDevDatabase((l) => console.error(l));
let code = 0;
try {
  const started = Date.now();
  const { dir, manifest } = await backupDatabase({ url: dev.url, outDir, anchorDir });
  const dump = manifest.files[0];
  console.log(`backup written: ${dir}`);
  console.log(
    `  ${shownUrl(dev.url)}, PostgreSQL ${manifest.server.version}, pg_dump ${manifest.pgDump.version}, ` +
      `${((dump?.bytes ?? 0) / 1024 / 1024).toFixed(1)} MB in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  console.log(
    `  consultations: ${manifest.counts.consultations}, referrals: ${manifest.counts.referrals}, ` +
      `audit entries: ${manifest.counts.auditEntries} (head: entry ${manifest.auditHead?.id ?? 0})`,
  );
  console.log(
    manifest.anchors.count > 0
      ? `  audit checkpoints copied: ${manifest.anchors.count} (latest: entry ${manifest.anchors.latest?.id} at ${manifest.anchors.latest?.at})`
      : `  no audit checkpoints in ${anchorDir}: the restore cannot check the chain against any`,
  );
  console.log(`  recorded in ${outDir}/last-backup.json; copy ${dir} off the host, encrypted`);
} catch (err) {
  // A BackupError says what to do; a file system error (EACCES, ENOSPC) is clear by its message; anything else
  // is a bug, with its stack.
  const known = err instanceof BackupError || typeof (err as NodeJS.ErrnoException).code === 'string';
  console.error(`backup FAILED: ${known ? (err as Error).message : ((err as Error).stack ?? String(err))}`);
  code = 1;
} finally {
  await dev.release();
}
process.exit(code);
