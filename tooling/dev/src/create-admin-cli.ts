import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createDb, migrate, ownsTables, roleOf, schema, writeAudit } from '@korgon/db';
import { Username } from '@korgon/domain';
import { hashPassword } from '@korgon/server';
import { and, eq, sql } from 'drizzle-orm';
import { openDevDatabase } from './dev-database';

/**
 * `pnpm admin:create <username>`: creates the first administrator of an installation and prints a one-time
 * password. Refuses when an active administrator exists already (they create the others in the console).
 */
const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { 'display-name': { type: 'string' } },
});
const parsed = Username.safeParse(positionals[0] ?? '');
if (!parsed.success) {
  console.error(
    `usage: pnpm admin:create <username> [--display-name "Name"]\n${parsed.error.issues[0]?.message ?? ''}`,
  );
  process.exit(2);
}
const username = parsed.data;
const dev = await openDevDatabase((l) => console.error(l));
let code = 0;
try {
  // In a production container DATABASE_URL is the application's role, which owns nothing: the owner has
  // migrated (docs/deploy.md). Elsewhere, migrate first, as the server would.
  const probe = createDb(dev.url, { max: 1 });
  const owner = await ownsTables(probe.pool).finally(() => probe.close());
  if (owner) await migrate(dev.url, { appRole: roleOf(dev.appUrl) });
  const h = createDb(dev.url, { max: 2 });
  const password = randomBytes(15).toString('base64url');
  const passwordHash = await hashPassword(password);
  const created = await h.db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(5200, 3)`);
    const [admin] = await tx
      .select({ username: schema.users.username })
      .from(schema.users)
      .where(and(eq(schema.users.role, 'admin'), eq(schema.users.active, true)))
      .limit(1);
    if (admin) return { refused: admin.username };
    const [row] = await tx
      .insert(schema.users)
      .values({
        username,
        displayName: values['display-name'] ?? username,
        role: 'admin',
        locale: 'en',
        passwordHash,
        // A one-time password: the console asks for a new one at the first sign-in.
        mustChangePassword: true,
      })
      .returning({ id: schema.users.id });
    await writeAudit(tx, {
      action: 'user.created',
      targetType: 'user',
      targetId: row?.id ?? null,
      details: { role: 'admin', via: 'cli', mustChangePassword: true },
    });
    return { refused: null };
  });
  await h.close();
  if (created.refused) {
    console.error(
      `An active administrator exists already (${created.refused}); create further users in the console.`,
    );
    code = 1;
  } else {
    console.log(
      `Administrator "${username}" created. One-time password (the console asks for a new one at the first sign-in):\n\n  ${password}\n`,
    );
  }
} finally {
  await dev.release();
}
process.exit(code);
