import type { DbOrTx } from '@korgon/db';
import { type Role, SECOND_FACTOR_ROLES } from '@korgon/domain';
import { open, type SealKey, seal } from '@korgon/signing';
import { demoTotpSecret, otpauthUri, stepAt, totpCodeAt } from '../auth/totp';
import { DEMO_USERS } from './seed';
import { createDemoSeedRepository } from './seed-repository';

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
  const repo = createDemoSeedRepository(db);
  if (wanted.length === 0 || !(await repo.isDemoDatabase())) return [];
  const rows = await repo.neverEnrolled(wanted);
  for (const u of rows)
    await repo.setSecondFactor(
      u.id,
      seal(opts.sealKey, u.id, demoTotpSecret(opts.password, u.username)),
      opts.sealKey.version,
    );
  return rows.map((r) => r.username);
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
  const repo = createDemoSeedRepository(db);
  const row = await repo.secondFactorOf(username);
  if (!(await repo.isDemoDatabase()))
    return { error: 'This database was not seeded as a demo: codes come only from the users’ own apps.' };
  if (!row) return { error: `There is no user "${username}".` };
  if (!row.totpSecretSealed || row.totpKeyVersion === null || !row.totpEnrolledAt)
    return { error: `${username} has no second factor yet: it is set up at the first sign-in.` };
  const secret = open(sealKey, row.id, row.totpSecretSealed, row.totpKeyVersion);
  const now = Date.now();
  return {
    code: totpCodeAt(secret, stepAt(now)),
    secondsLeft: 30 - (Math.floor(now / 1000) % 30),
    otpauthUri: otpauthUri(secret, username),
  };
}
