CREATE TABLE "call_day_totals" (
	"day" date NOT NULL,
	"threshold_seconds" integer NOT NULL,
	"version" bigint NOT NULL,
	"offered" integer NOT NULL,
	"answered" integer NOT NULL,
	"abandoned" integer NOT NULL,
	"short_abandoned" integer NOT NULL,
	"lost" integer NOT NULL,
	"within" integer NOT NULL,
	"asa_sum" double precision NOT NULL,
	"aht_sum" double precision NOT NULL,
	"aht_count" integer NOT NULL,
	"computed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "call_day_totals_day_threshold_seconds_pk" PRIMARY KEY("day","threshold_seconds")
);
--> statement-breakpoint
CREATE TABLE "call_day_versions" (
	"day" date PRIMARY KEY NOT NULL,
	"version" bigint NOT NULL
);
--> statement-breakpoint
-- A write to a call offered on a day that ended over an hour ago (Asia/Bishkek) makes that day's cached totals
-- stale: its version is bumped in the writer's transaction. Days closer than that are never cached (the board
-- caches a day two hours after it ends), so today's busy writes never touch this table.
CREATE OR REPLACE FUNCTION calls_day_touch() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_settled date := ((clock_timestamp() - interval '1 hour') AT TIME ZONE 'Asia/Bishkek')::date;
  v_old date;
  v_new date;
BEGIN
  IF TG_OP <> 'INSERT' THEN v_old := (OLD.offered_at AT TIME ZONE 'Asia/Bishkek')::date; END IF;
  IF TG_OP <> 'DELETE' THEN v_new := (NEW.offered_at AT TIME ZONE 'Asia/Bishkek')::date; END IF;
  IF v_old IS NOT NULL AND v_old < v_settled THEN
    INSERT INTO call_day_versions (day, version) VALUES (v_old, 1)
    ON CONFLICT (day) DO UPDATE SET version = call_day_versions.version + 1;
  END IF;
  IF v_new IS NOT NULL AND v_new < v_settled AND v_new IS DISTINCT FROM v_old THEN
    INSERT INTO call_day_versions (day, version) VALUES (v_new, 1)
    ON CONFLICT (day) DO UPDATE SET version = call_day_versions.version + 1;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER calls_day_touch AFTER INSERT OR UPDATE OR DELETE ON calls
  FOR EACH ROW EXECUTE FUNCTION calls_day_touch();
