import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER } from './migrate';
import { MIGRATION_POLICY_AFTER, migrationNumber, migrationPolicyViolations } from './migration-policy';

const rulesOf = (sql: string) => migrationPolicyViolations(sql).map((v) => v.rule.split(' (')[0]);

describe('the migration policy: additive first, a later release cleans up', () => {
  it('every migration after 0022 keeps the previous release working, or names the release it cleans up after', () => {
    const files = readdirSync(MIGRATIONS_FOLDER).filter(
      (f) => (migrationNumber(f) ?? 0) > MIGRATION_POLICY_AFTER,
    );
    const problems = files.flatMap((f) =>
      migrationPolicyViolations(readFileSync(join(MIGRATIONS_FOLDER, f), 'utf8')).map(
        (v) =>
          `${f}: ${v.rule}: ${v.statement}. Split it: add now, remove in a later release with a line ` +
          '"-- cleanup-release: <the last release that used it>" (docs/operations.md "Migrations while the old version serves")',
      ),
    );
    expect(problems).toEqual([]);
    // The policy starts after the last migration that predates it.
    expect(readdirSync(MIGRATIONS_FOLDER).some((f) => migrationNumber(f) === MIGRATION_POLICY_AFTER)).toBe(
      true,
    );
  });

  it('flags what the old version would trip on', () => {
    // A migration drizzle-kit could write for a "rename and tighten" change, in one step.
    const bad = `ALTER TABLE "calls" DROP COLUMN "old_note";--> statement-breakpoint
DROP TABLE "legacy_things";--> statement-breakpoint
ALTER TABLE "referrals" RENAME COLUMN "org_id" TO "partner_org_id";--> statement-breakpoint
ALTER TABLE "consultations" ALTER COLUMN "channel" SET DATA TYPE varchar(20);--> statement-breakpoint
ALTER TABLE "follow_ups" ALTER COLUMN "due_at" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "team" text NOT NULL;`;
    expect(rulesOf(bad)).toEqual([
      'DROP COLUMN',
      'DROP TABLE',
      'RENAME',
      'ALTER COLUMN … TYPE',
      'SET NOT NULL without a default',
      'ADD COLUMN … NOT NULL without a default',
    ]);
    expect(rulesOf('ALTER TABLE calls RENAME TO phone_calls')).toEqual(['RENAME']);
    expect(rulesOf('alter table x alter column y type bigint')).toEqual(['ALTER COLUMN … TYPE']);
  });

  it('lets additive changes through', () => {
    const good = `CREATE TABLE "maintenance_runs" ("id" bigserial PRIMARY KEY NOT NULL, "kind" text NOT NULL);
--> statement-breakpoint
ALTER TABLE "calls" ADD COLUMN "caller_hash_key_version" integer;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "totp_enabled" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "consultation_addenda" ALTER COLUMN "text_ciphertext" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "referrals" ALTER COLUMN "kind" SET DEFAULT 'standard';--> statement-breakpoint
ALTER TABLE "referrals" ALTER COLUMN "kind" SET NOT NULL;--> statement-breakpoint
CREATE INDEX "calls_hash_idx" ON "calls" USING btree ("caller_hash");
-- a comment may say DROP TABLE or RENAME without being one
/* nor DROP COLUMN in a block comment */`;
    expect(migrationPolicyViolations(good)).toEqual([]);
  });

  it('accepts a cleanup that names the release it follows, and only then', () => {
    const drop = 'ALTER TABLE "calls" DROP COLUMN "old_note";';
    expect(rulesOf(drop)).toEqual(['DROP COLUMN']);
    expect(rulesOf(`-- cleanup-release: 2026.12 (old_note unused since)\n${drop}`)).toEqual([]);
    // A marker without a release is no marker.
    expect(rulesOf(`-- cleanup-release:\n${drop}`)).toEqual(['DROP COLUMN']);
  });

  it('numbers only migration files', () => {
    expect(migrationNumber('0023_brave_new_thing.sql')).toBe(23);
    expect(migrationNumber('meta')).toBeNull();
    expect(migrationNumber('0023_x.json')).toBeNull();
  });
});
