-- The audit log is append-only and hash-chained. Each row's hash covers the previous row's hash and every field
-- of the row, so altering, deleting or reordering a row breaks the chain from that row on (`pnpm audit:verify`).
CREATE SEQUENCE IF NOT EXISTS "audit_log_id_seq" AS bigint;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION audit_log_row_hash(
  prev text, id bigint, at timestamptz, actor_id uuid, actor_role text, action text,
  target_type text, target_id text, ip_hash text, details jsonb
) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT encode(sha256(convert_to(jsonb_build_array(
    prev, id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    actor_id, actor_role, action, target_type, target_id, ip_hash, details
  )::text, 'UTF8')), 'hex')
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION audit_log_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  last_hash text;
BEGIN
  -- One writer at a time: ids, times and links are assigned in the order the lock is granted.
  PERFORM pg_advisory_xact_lock(5200, 1);
  SELECT hash INTO last_hash FROM audit_log ORDER BY id DESC LIMIT 1;
  NEW.id := nextval('audit_log_id_seq');
  NEW.at := clock_timestamp();
  NEW.details := coalesce(NEW.details, '{}'::jsonb);
  NEW.prev_hash := coalesce(last_hash, repeat('0', 64));
  NEW.hash := audit_log_row_hash(NEW.prev_hash, NEW.id, NEW.at, NEW.actor_id, NEW.actor_role, NEW.action,
    NEW.target_type, NEW.target_id, NEW.ip_hash, NEW.details);
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % is refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
--> statement-breakpoint
CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_chain();
--> statement-breakpoint
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
--> statement-breakpoint
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
