import { verifyAuditChain } from '@korgon/db';
import pg from 'pg';
import { openDevDatabase } from './dev-database';

/** `pnpm audit:verify`: walks the audit chain and reports the first broken link; exit 1 when broken. */
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
} finally {
  await client.end().catch(() => undefined);
  await dev.release();
}
process.exit(code);
