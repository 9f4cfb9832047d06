import pg from 'pg';
import type { Queryable } from './queryable';

/**
 * The application's database role (docs/deploy.md "Least privilege"). The server and the worker connect as a
 * role that owns nothing: it reads and writes the ordinary tables, but may only INSERT into and SELECT from the
 * audit log. Not owning the audit log, it can neither ALTER it (disable its triggers), nor UPDATE, DELETE or
 * TRUNCATE it; only the owner, which runs the migrations, can. The trigger functions run as the role that
 * fired them (SECURITY INVOKER), so the tables they write (calls_day, operator_state_log, …) are ordinary
 * tables the role may write anyway.
 */

/** The role a postgres:// URL connects as. */
export function roleOf(url: string): string {
  return decodeURIComponent(new URL(url).username);
}

export class AppRoleError extends Error {
  override name = 'AppRoleError';
}

/**
 * Grants `role` what the application needs, as the owner of the tables (the migration's connection), and makes
 * tables and sequences the owner creates later granted the same (ALTER DEFAULT PRIVILEGES). Idempotent; run by
 * `migrate` after every migration. Refuses a role that would make the audit log's protection void: a superuser,
 * the owner itself, or a member of the owner's role.
 */
export async function grantAppRole(q: Queryable, role: string): Promise<void> {
  const { rows } = await q.query<{
    owner: string;
    db: string;
    found: boolean;
    superuser: boolean;
    member: boolean;
  }>(
    `SELECT current_user AS owner, current_database() AS db, r.rolname IS NOT NULL AS found,
            coalesce(r.rolsuper, false) AS superuser,
            coalesce(pg_has_role(r.oid, (SELECT relowner FROM pg_class WHERE oid = 'public.audit_log'::regclass),
                                 'MEMBER'), false) AS member
       FROM (SELECT 1) one LEFT JOIN pg_roles r ON r.rolname = $1`,
    [role],
  );
  const info = rows[0];
  if (!info?.found)
    throw new AppRoleError(
      `the application's database role "${role}" (the user of DATABASE_URL) does not exist: create it first (docs/deploy.md "Least privilege")`,
    );
  if (info.superuser || info.member || role === info.owner)
    throw new AppRoleError(
      `the application's database role "${role}" is ${info.superuser ? 'a superuser' : 'the owner of the tables, or a member of its role'}: it could rewrite the audit log. Give DATABASE_URL a role that owns nothing (docs/deploy.md "Least privilege")`,
    );
  const r = pg.escapeIdentifier(role);
  const owner = pg.escapeIdentifier(info.owner);
  const statements = [
    `GRANT CONNECT, TEMPORARY ON DATABASE ${pg.escapeIdentifier(info.db)} TO ${r}`,
    `GRANT USAGE ON SCHEMA public TO ${r}`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${r}`,
    `GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${r}`,
    // The audit log is appended to and read, nothing else (its id sequence is advanced by its insert trigger).
    `REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON audit_log FROM ${r}`,
    `REVOKE UPDATE ON SEQUENCE audit_log_id_seq FROM ${r}`,
    // Tables and sequences of later migrations (all created by the owner) are granted the same at once.
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${r}`,
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO ${r}`,
    // /readyz counts the applied migrations.
    `GRANT USAGE ON SCHEMA drizzle TO ${r}`,
    `GRANT SELECT ON ALL TABLES IN SCHEMA drizzle TO ${r}`,
  ];
  for (const s of statements) await q.query(s);
}

/**
 * Whether the role of `url` may run the migrations: the database has no tables yet, or the role owns them (or is
 * a member of their owner's role). The server migrates at start only then; otherwise the owner migrates
 * (DATABASE_MIGRATION_URL, `pnpm db:migrate`).
 */
export async function ownsTables(q: Queryable): Promise<boolean> {
  const { rows } = await q.query<{ owns: boolean }>(
    `SELECT coalesce((SELECT pg_has_role(current_user, relowner, 'MEMBER') FROM pg_class
                       WHERE oid = to_regclass('public.audit_log')), true) AS owns`,
  );
  return rows[0]?.owns ?? false;
}
