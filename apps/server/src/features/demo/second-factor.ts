import { type DbOrTx, schema } from '@korgon/db';
import { type Role, SECOND_FACTOR_ROLES } from '@korgon/domain';
import { open, type SealKey, seal } from '@korgon/signing';
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import { demoTotpSecret, otpauthUri, stepAt, totpCodeAt } from '../auth/totp';
import { DEMO_USERS } from './seed';

const { users, auditLog } = schema;

/** The demo account left without a second factor, to show enrolment at its first sign-in. */
export const DEMO_NOT_ENROLLED = 'supervisor-night';

/**
 * Gives the demo's people whose role needs a second factor one (docs/security.md "Second factor"), with a
 * secret derived from the demo password (`demoTotpSecret`), so the demo stays explorable: `pnpm demo:code
 * <username>` prints the current code. Only users that never had one of their own (no enrolment or reset in
 * the audit log, no secret now), so an administrator's reset in a demo is not undone at the next start.
 * Returns the usernames enrolled now.
 */
export async function enrolDemoSecondFactor(
  db: DbOrTx,
  opts: { password: string; sealKey: SealKey; except?: readonly string[] },
): Promise<string[]> {
  const wanted = DEMO_USERS.filter(
    (u) => (SECOND_FACTOR_ROLES as readonly Role[]).includes(u.role) && !opts.except?.includes(u.username),
  ).map((u) => u.username);
  if (wanted.length === 0 || !(await isDemo(db))) return [];
  const rows = await db
    .select({ id: users.id, username: users.username })
    .from(users)
    .where(
      and(
        inArray(users.username, wanted),
        isNull(users.totpSecretSealed),
        sql`NOT EXISTS (SELECT 1 FROM ${auditLog} a WHERE a.target_id = ${users.id}::text
              AND a.action IN ('auth.second_factor_enrolled', 'auth.second_factor_reset'))`,
      ),
    );
  for (const u of rows) {
    await db
      .update(users)
      .set({
        totpSecretSealed: seal(opts.sealKey, u.id, demoTotpSecret(opts.password, u.username)),
        totpKeyVersion: opts.sealKey.version,
        totpEnrolledAt: sql`now()`,
        totpLastStep: null,
      })
      .where(and(eq(users.id, u.id), isNull(users.totpSecretSealed)));
  }
  return rows.map((r) => r.username);
}

/** A demo database: the seed's own audit entry is in its log (an installation's never is). */
async function isDemo(db: DbOrTx): Promise<boolean> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(auditLog)
    .where(and(eq(auditLog.action, 'user.created'), sql`${auditLog.details}->>'seed' = 'demo'`));
  return (row?.n ?? 0) > 0;
}

/**
 * A demo user's current code and otpauth URI, read from the database with the notes key (`pnpm demo:code`).
 * Never on an installation's database: only where the demo seed ran.
 */
export async function demoCodeOf(
  db: DbOrTx,
  username: string,
  sealKey: SealKey,
): Promise<{ code: string; secondsLeft: number; otpauthUri: string } | { error: string }> {
  const [row] = await db
    .select({
      id: users.id,
      sealed: users.totpSecretSealed,
      version: users.totpKeyVersion,
      enrolledAt: users.totpEnrolledAt,
    })
    .from(users)
    .where(eq(sql`lower(${users.username})`, username.toLowerCase()));
  if (!(await isDemo(db)))
    return { error: 'This database was not seeded as a demo: codes come only from the users’ own apps.' };
  if (!row) return { error: `There is no user "${username}".` };
  if (!row.sealed || row.version === null || !row.enrolledAt)
    return { error: `${username} has no second factor yet: it is set up at the first sign-in.` };
  const secret = open(sealKey, row.id, row.sealed, row.version);
  const now = Date.now();
  return {
    code: totpCodeAt(secret, stepAt(now)),
    secondsLeft: 30 - (Math.floor(now / 1000) % 30),
    otpauthUri: otpauthUri(secret, username),
  };
}
