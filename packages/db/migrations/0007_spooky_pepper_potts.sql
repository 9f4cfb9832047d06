CREATE TABLE "reference_counters" (
	"kind" text NOT NULL,
	"year" integer NOT NULL,
	"last" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "reference_counters_kind_year_pk" PRIMARY KEY("kind","year")
);
--> statement-breakpoint
ALTER TABLE "consultations" ADD COLUMN "reference" text;--> statement-breakpoint
ALTER TABLE "referrals" ADD COLUMN "reference" text;--> statement-breakpoint
ALTER TABLE "consultations" ADD CONSTRAINT "consultations_reference_unique" UNIQUE("reference");--> statement-breakpoint
ALTER TABLE "referrals" ADD CONSTRAINT "referrals_reference_unique" UNIQUE("reference");--> statement-breakpoint
-- Reference numbers people read and quote: K-2026-000123 (consultations), R-2026-000045 (referrals), gapless per
-- kind and year in Asia/Bishkek time. The insert triggers below take the next number from reference_counters in
-- the inserting transaction (the counter row stays locked until it ends), so a rolled-back insert gives its
-- number back, and an INSERT … ON CONFLICT that inserts nothing takes none.
CREATE OR REPLACE FUNCTION reference_year(at timestamptz) RETURNS integer LANGUAGE sql STABLE AS $$
  SELECT extract(year FROM at AT TIME ZONE 'Asia/Bishkek')::integer
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION reference_format(kind text, year integer, n bigint) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT kind || '-' || year || '-' || CASE WHEN n < 1000000 THEN lpad(n::text, 6, '0') ELSE n::text END
$$;
--> statement-breakpoint
-- Takes a block of `count` numbers at once (bulk loads, benchmarks) and answers its first; the same lock applies.
CREATE OR REPLACE FUNCTION reference_take(p_kind text, p_year integer, p_count integer) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  v integer;
BEGIN
  INSERT INTO reference_counters AS rc (kind, year, last) VALUES (p_kind, p_year, p_count)
    ON CONFLICT (kind, year) DO UPDATE SET last = rc.last + p_count
    RETURNING rc.last INTO v;
  RETURN v - p_count + 1;
END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION reference_assign() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  k text := TG_ARGV[0];
  y integer := reference_year(coalesce(NEW.created_at, now()));
  n integer;
  existing text;
  existing_sql text := format('SELECT reference FROM %I.%I WHERE id = $1', TG_TABLE_SCHEMA, TG_TABLE_NAME);
BEGIN
  -- An upsert of a row that is there already inserts nothing: no number, and no wait on the counter. (NOT NULL
  -- is checked before the conflict is found, so NEW carries the existing row's reference, never stored.)
  EXECUTE existing_sql INTO existing USING NEW.id;
  IF existing IS NOT NULL THEN
    NEW.reference := existing;
    RETURN NEW;
  END IF;
  SELECT last INTO n FROM reference_counters WHERE kind = k AND year = y FOR UPDATE;
  IF NOT FOUND THEN
    INSERT INTO reference_counters (kind, year, last) VALUES (k, y, 0) ON CONFLICT DO NOTHING;
    SELECT last INTO n FROM reference_counters WHERE kind = k AND year = y FOR UPDATE;
  END IF;
  -- Under the lock, again: the same id inserted by a transaction that committed while this one waited.
  EXECUTE existing_sql INTO existing USING NEW.id;
  IF existing IS NOT NULL THEN
    NEW.reference := existing;
    RETURN NEW;
  END IF;
  UPDATE reference_counters SET last = n + 1 WHERE kind = k AND year = y;
  NEW.reference := reference_format(k, y, n + 1);
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION reference_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '%.reference never changes once given', TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
END
$$;
--> statement-breakpoint
-- Backfill: the records there already, numbered per year in the order they were made.
UPDATE "consultations" k SET "reference" = reference_format('K', b.year, b.n)
  FROM (SELECT id, reference_year(created_at) AS year,
               row_number() OVER (PARTITION BY reference_year(created_at) ORDER BY created_at, id) AS n
          FROM "consultations") b
 WHERE k.id = b.id;--> statement-breakpoint
UPDATE "referrals" r SET "reference" = reference_format('R', b.year, b.n)
  FROM (SELECT id, reference_year(created_at) AS year,
               row_number() OVER (PARTITION BY reference_year(created_at) ORDER BY created_at, id) AS n
          FROM "referrals") b
 WHERE r.id = b.id;--> statement-breakpoint
INSERT INTO "reference_counters" (kind, year, last)
  SELECT 'K', reference_year(created_at), count(*)::integer FROM "consultations" GROUP BY 2
  UNION ALL
  SELECT 'R', reference_year(created_at), count(*)::integer FROM "referrals" GROUP BY 2
  ON CONFLICT (kind, year) DO UPDATE SET last = greatest(reference_counters.last, EXCLUDED.last);--> statement-breakpoint
CREATE TRIGGER consultations_reference BEFORE INSERT ON "consultations"
  FOR EACH ROW WHEN (NEW.reference IS NULL) EXECUTE FUNCTION reference_assign('K');--> statement-breakpoint
CREATE TRIGGER referrals_reference BEFORE INSERT ON "referrals"
  FOR EACH ROW WHEN (NEW.reference IS NULL) EXECUTE FUNCTION reference_assign('R');--> statement-breakpoint
CREATE TRIGGER consultations_reference_fixed BEFORE UPDATE OF "reference" ON "consultations"
  FOR EACH ROW WHEN (OLD.reference IS NOT NULL AND NEW.reference IS DISTINCT FROM OLD.reference) EXECUTE FUNCTION reference_refuse_change();--> statement-breakpoint
CREATE TRIGGER referrals_reference_fixed BEFORE UPDATE OF "reference" ON "referrals"
  FOR EACH ROW WHEN (OLD.reference IS NOT NULL AND NEW.reference IS DISTINCT FROM OLD.reference) EXECUTE FUNCTION reference_refuse_change();
