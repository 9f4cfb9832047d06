import { parseArgs } from 'node:util';
import { auditAnchorDirOf, readLocalEnv } from '@korgon/config';
import { AUDIT_ANCHOR_FILE, readAuditAnchors, verifyAuditAnchors, verifyAuditChain } from '@korgon/db';
import pg from 'pg';
import { openDevDatabase } from './dev-database';

/**
 * `pnpm audit:verify [--anchors <dir>]`: walks the audit chain and reports the first broken link, then checks
 * the chain against the signed checkpoints the worker keeps outside the database (AUDIT_ANCHOR_DIR, or the
 * directory given, e.g. a copy kept off the host): a chain cut from its end or rewritten with recomputed hashes
 * passes the first check but not the second. Exit 1 when either fails.
 */
const { values: args } = parseArgs({ options: { anchors: { type: 'string' } } });
// Like loadEnv: outside production, the secrets a local start generated into .env.local.
const local = process.env.NODE_ENV === 'production' ? {} : readLocalEnv();
const anchorKey = process.env.AUDIT_ANCHOR_KEY || local.AUDIT_ANCHOR_KEY || '';
const anchorDir = auditAnchorDirOf(args.anchors ?? (process.env.AUDIT_ANCHOR_DIR || local.AUDIT_ANCHOR_DIR));

const dev = await openDevDatabase((l) => console.error(l));
const client = new pg.Client({ connectionString: dev.url });
let code = 0;
try {
  await client.connect();
  const verdict = await verifyAuditChain(client);
  if (verdict.ok) {
    console.log(`audit log intact: ${verdict.rows} entries, chain head ${verdict.lastHash ?? '(empty)'}`);
  } else {
    console.error(
      `audit log BROKEN at entry ${verdict.brokenAt}: ${verdict.reason} (${verdict.rows} entries before it are intact)`,
    );
    code = 1;
  }

  const file = await readAuditAnchors(anchorDir);
  const where = `${anchorDir}/${AUDIT_ANCHOR_FILE}`;
  if (file.torn) console.error(`checkpoints: the last line of ${where} is incomplete (a cut write); skipped`);
  if (file.anchors.length === 0 && file.bad.length === 0) {
    console.error(
      `checkpoints: none in ${where}: a chain cut from its end or rewritten with recomputed hashes cannot be ` +
        'detected (the worker writes one every hour; pass --anchors <dir> to read a copy kept elsewhere)',
    );
  } else if (!anchorKey) {
    console.error(`audit log NOT CHECKED against ${where}: AUDIT_ANCHOR_KEY is not set`);
    code = 1;
  } else {
    const anchors = await verifyAuditAnchors(client, file, anchorKey);
    if (anchors.ok) {
      console.log(
        `checkpoints: the chain matches all ${anchors.anchors} in ${where}` +
          (anchors.latest ? ` (latest: entry ${anchors.latest.id} at ${anchors.latest.at})` : ''),
      );
    } else {
      console.error(`audit log BROKEN against its checkpoints: ${anchors.reason} (${where})`);
      code = 1;
    }
  }
} finally {
  await client.end().catch(() => undefined);
  await dev.release();
}
process.exit(code);
