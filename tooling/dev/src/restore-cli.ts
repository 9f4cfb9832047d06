import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readLocalEnv } from '@korgon/config';
import { roleOf } from '@korgon/db';
import { BackupError, describeRestore, restoreDatabase } from './backup';
import { openDevDatabase } from './dev-database';

/**
 * `pnpm db:restore <backup dir or korgon.dump> [--database <name>] [--force] [--anchors <dir>]`: checks the
 * backup's checksums, restores it with pg_restore into an empty database (the database of DATABASE_MIGRATION_URL,
 * or `--database` on the same server, created when missing; a database that is not empty is refused unless
 * --force), grants the application's role (the user of DATABASE_URL) again, then compares the counts with the
 * backup's record and verifies the audit chain and its checkpoints (the copy in the backup, and --anchors: a
 * later copy kept off the host). Exit 1 when anything fails (docs/operations.md "Backups and restore").
 */
const usage =
  'usage: pnpm db:restore <backup dir or korgon.dump> [--database <name>] [--force] [--anchors <dir>]';
let parsed: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    allowPositionals: true,
    options: {
      database: { type: 'string' },
      force: { type: 'boolean', default: false },
      anchors: { type: 'string', multiple: true },
    },
  });
}
try {
  parsed = parse();
} catch (err) {
  console.error(`${(err as Error).message}\n${usage}`);
  process.exit(2);
}
const source = parsed.positionals[0];
if (!source || parsed.positionals.length > 1) {
  console.error(usage);
  process.exit(2);
}
const local = process.env.NODE_ENV === 'production' ? {} : readLocalEnv();
const anchorKey = process.env.AUDIT_ANCHOR_KEY || local.AUDIT_ANCHOR_KEY || undefined;

const dev = await openDevDatabase((l) => console.error(l));
let code = 0;
try {
  const summary = await restoreDatabase({
    source: resolve(source),
    ownerUrl: dev.url,
    adminUrl: dev.server.adminUrl,
    database: parsed.values.database,
    appRole: roleOf(dev.appUrl) || undefined,
    force: parsed.values.force,
    anchorKey,
    extraAnchorDirs: (parsed.values.anchors ?? []).map((d) => resolve(d)),
    log: (l) => console.log(l),
  });
  for (const line of describeRestore(summary)) console.log(line);
  if (summary.problems.length > 0) {
    console.error(`restore NOT VERIFIED: ${summary.problems.length} problem(s):`);
    for (const p of summary.problems) console.error(`  - ${p}`);
    code = 1;
  } else {
    const checked = summary.anchors.some((a) => a.checked);
    console.log(
      checked
        ? 'restore verified: every count matches the backup, and the audit chain its checkpoints'
        : 'restore verified: every count matches the backup and the audit chain is intact, but no checkpoint was there to check it against',
    );
  }
} catch (err) {
  // A BackupError says what to do; a file system error (EACCES, ENOSPC) is clear by its message; anything else
  // is a bug, with its stack.
  const known = err instanceof BackupError || typeof (err as NodeJS.ErrnoException).code === 'string';
  console.error(`restore FAILED: ${known ? (err as Error).message : ((err as Error).stack ?? String(err))}`);
  code = 1;
} finally {
  await dev.release();
}
process.exit(code);
