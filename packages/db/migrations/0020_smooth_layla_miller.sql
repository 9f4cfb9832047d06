CREATE TABLE "statistics_day_cells" (
	"day" date NOT NULL,
	"rows_key" text NOT NULL,
	"cols_key" text NOT NULL,
	"version" integer NOT NULL,
	"cells" jsonb NOT NULL,
	CONSTRAINT "statistics_day_cells_rows_key_cols_key_day_pk" PRIMARY KEY("rows_key","cols_key","day")
);
--> statement-breakpoint
CREATE TABLE "statistics_day_changes" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"day" date NOT NULL
);
--> statement-breakpoint
CREATE INDEX "statistics_day_changes_day_idx" ON "statistics_day_changes" USING btree ("day");
--> statement-breakpoint
-- statistics_facts (docs/statistics.md "The facts table"): the fact row of each counted consultation is
-- recomputed from its sources whenever they change, by the database, so that no writer can forget it. The
-- expressions are those the statistics tables read the JSON with before this table existed: a value missing or
-- empty is `_none` (not recorded), a multi-valued field holds each value once.
CREATE OR REPLACE FUNCTION statistics_facts_refresh(p_ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF p_ids IS NULL OR cardinality(p_ids) = 0 THEN RETURN; END IF;
  -- Two transactions refreshing the same record (a referral's status and a new assessment) must not leave the
  -- row of the one that read first: each waits for the other's commit on one of 64 locks, in order (no
  -- deadlock, and a bulk load takes at most 64), and reads after it (READ COMMITTED: every statement below
  -- takes a new snapshot).
  PERFORM pg_advisory_xact_lock(5200, s)
     FROM (SELECT DISTINCT hashtext(u.id::text) & 63 AS s FROM unnest(p_ids) AS u(id) ORDER BY 1) AS shards;
  -- The days whose counts change (statistics_day_cells): the old day of every row, and the day of every record
  -- (its contact time; in practice the same day). Insert only, so writers never wait on each other here.
  INSERT INTO statistics_day_changes (day)
  SELECT DISTINCT d FROM (
    SELECT f.day AS d FROM statistics_facts f JOIN unnest(p_ids) AS u(id) ON f.consultation_id = u.id
    UNION ALL
    SELECT (k.created_at AT TIME ZONE 'Asia/Bishkek')::date FROM consultations k JOIN unnest(p_ids) AS u(id) ON k.id = u.id
  ) AS days;
  DELETE FROM statistics_facts f
   USING unnest(p_ids) AS u(id)
   WHERE f.consultation_id = u.id
     AND NOT EXISTS (SELECT 1 FROM consultations k
                      WHERE k.id = u.id AND k.status = 'final'
                        AND (k.data -> 'consent' ->> 'statistics') IS DISTINCT FROM 'no');
  INSERT INTO statistics_facts AS f (consultation_id, day, hour, contact_kind, caller_role, gender, age_band, region,
         settlement, perpetrator_relation, risk_level, language, disability, channel, violence_forms,
         services_given, referral_partner_types, referral_outcomes)
  SELECT k.id,
         (k.created_at AT TIME ZONE 'Asia/Bishkek')::date,
         extract(hour FROM k.created_at AT TIME ZONE 'Asia/Bishkek')::smallint,
         coalesce(nullif(k.data #>> '{contactKind}', ''), '_none'),
         coalesce(nullif(k.data #>> '{callerRole}', ''), '_none'),
         coalesce(nullif(k.data #>> '{survivor,gender}', ''), '_none'),
         coalesce(nullif(k.data #>> '{survivor,ageBand}', ''), '_none'),
         coalesce(nullif(k.data #>> '{survivor,region}', ''), '_none'),
         coalesce(nullif(k.data #>> '{survivor,settlement}', ''), '_none'),
         coalesce(nullif(k.data #>> '{perpetrator,relation}', ''), '_none'),
         coalesce(rl.final_level, '_none'),
         coalesce(nullif(k.data #>> '{survivor,language}', ''), '_none'),
         coalesce(nullif(k.data #>> '{survivor,disability}', ''), '_none'),
         coalesce(nullif(k.channel, ''), '_none'),
         CASE WHEN jsonb_typeof(k.data -> 'violenceForms') = 'array' AND jsonb_array_length(k.data -> 'violenceForms') > 0
              THEN ARRAY(SELECT DISTINCT jsonb_array_elements_text(k.data -> 'violenceForms'))
              ELSE ARRAY['_none'] END,
         CASE WHEN jsonb_typeof(k.data -> 'servicesGiven') = 'array' AND jsonb_array_length(k.data -> 'servicesGiven') > 0
              THEN ARRAY(SELECT DISTINCT jsonb_array_elements_text(k.data -> 'servicesGiven'))
              ELSE ARRAY['_none'] END,
         coalesce(rr.types, ARRAY['_none']),
         coalesce(rr.outcomes, ARRAY['_none'])
    FROM unnest(p_ids) AS u(id)
    JOIN consultations k ON k.id = u.id
    -- The final level (after any override) of the record's latest assessment.
    LEFT JOIN LATERAL (SELECT a.final_level FROM risk_assessments a WHERE a.consultation_id = k.id
                        ORDER BY a.created_at DESC, a.id DESC LIMIT 1) rl ON true
    -- The partner types and statuses of its referrals that were made (a draft was never sent, a revoked one
    -- was withdrawn), each once; no row at all gives nulls.
    LEFT JOIN LATERAL (SELECT array_agg(DISTINCT p.type::text) AS types, array_agg(DISTINCT r.status::text) AS outcomes
                         FROM referrals r JOIN partner_orgs p ON p.id = r.partner_org_id
                        WHERE r.consultation_id = k.id AND r.status NOT IN ('draft', 'revoked')) rr ON true
   WHERE k.status = 'final' AND (k.data -> 'consent' ->> 'statistics') IS DISTINCT FROM 'no'
  ON CONFLICT (consultation_id) DO UPDATE SET
         day = EXCLUDED.day, hour = EXCLUDED.hour, contact_kind = EXCLUDED.contact_kind,
         caller_role = EXCLUDED.caller_role, gender = EXCLUDED.gender, age_band = EXCLUDED.age_band,
         region = EXCLUDED.region, settlement = EXCLUDED.settlement,
         perpetrator_relation = EXCLUDED.perpetrator_relation, risk_level = EXCLUDED.risk_level,
         language = EXCLUDED.language, disability = EXCLUDED.disability, channel = EXCLUDED.channel,
         violence_forms = EXCLUDED.violence_forms, services_given = EXCLUDED.services_given,
         referral_partner_types = EXCLUDED.referral_partner_types, referral_outcomes = EXCLUDED.referral_outcomes
   -- A row that would not change is left as it is (no dead tuple for a re-assessment at the same level).
   WHERE (f.*) IS DISTINCT FROM (EXCLUDED.*);
END
$$;
--> statement-breakpoint
-- Statement-level triggers with transition tables: a bulk load (the demo's year, a backfill) refreshes its rows
-- in one set-based pass, and a draft's autosave costs one look at a one-row table. Deletes of consultations
-- cascade; a referral or assessment deleted refreshes its consultation.
CREATE OR REPLACE FUNCTION statistics_facts_consultations_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM statistics_facts_refresh(ARRAY(SELECT n.id FROM new_rows n WHERE n.status = 'final'));
  RETURN NULL;
END
$$;
--> statement-breakpoint
-- Only a change of what a fact is read from (status, data, channel, contact time) of a record that is or was
-- final: a link set, a note sealed or shredded, a touch of updated_at changes no figure.
CREATE OR REPLACE FUNCTION statistics_facts_consultations_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM statistics_facts_refresh(ARRAY(
    SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
     WHERE (n.status = 'final' OR o.status = 'final')
       AND (n.status, n.data, n.channel, n.created_at) IS DISTINCT FROM (o.status, o.data, o.channel, o.created_at)));
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION statistics_facts_children_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM statistics_facts_refresh(ARRAY(SELECT DISTINCT n.consultation_id FROM new_rows n));
  RETURN NULL;
END
$$;
--> statement-breakpoint
-- An assessment's or a referral's update matters only when its record, level, status or partner changes (a
-- delivery attempt, an acknowledgement time or a sealed outcome changes no figure). Each table has its own
-- function: the columns differ.
CREATE OR REPLACE FUNCTION statistics_facts_assessments_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM statistics_facts_refresh(ARRAY(
    SELECT DISTINCT x.id FROM new_rows n JOIN old_rows o ON o.id = n.id,
           LATERAL (VALUES (n.consultation_id), (o.consultation_id)) AS x(id)
     WHERE (n.consultation_id, n.final_level, n.created_at) IS DISTINCT FROM (o.consultation_id, o.final_level, o.created_at)));
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION statistics_facts_referrals_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM statistics_facts_refresh(ARRAY(
    SELECT DISTINCT x.id FROM new_rows n JOIN old_rows o ON o.id = n.id,
           LATERAL (VALUES (n.consultation_id), (o.consultation_id)) AS x(id)
     WHERE (n.consultation_id, n.status, n.partner_org_id) IS DISTINCT FROM (o.consultation_id, o.status, o.partner_org_id)));
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION statistics_facts_children_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM statistics_facts_refresh(ARRAY(SELECT DISTINCT o.consultation_id FROM old_rows o));
  RETURN NULL;
END
$$;
--> statement-breakpoint
-- A partner's type is a dimension of its referrals' consultations.
CREATE OR REPLACE FUNCTION statistics_facts_partners_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM statistics_facts_refresh(ARRAY(
    SELECT DISTINCT r.consultation_id
      FROM new_rows n JOIN old_rows o ON o.id = n.id JOIN referrals r ON r.partner_org_id = n.id
     WHERE o.type IS DISTINCT FROM n.type));
  RETURN NULL;
END
$$;
--> statement-breakpoint
-- A consultation deleted takes its fact row with it (ON DELETE CASCADE); its day's counts change all the same.
CREATE OR REPLACE FUNCTION statistics_facts_consultations_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO statistics_day_changes (day)
  SELECT DISTINCT (o.created_at AT TIME ZONE 'Asia/Bishkek')::date FROM old_rows o WHERE o.status = 'final';
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER statistics_facts_ins AFTER INSERT ON consultations
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION statistics_facts_consultations_ins();
--> statement-breakpoint
CREATE TRIGGER statistics_facts_upd AFTER UPDATE ON consultations
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION statistics_facts_consultations_upd();
--> statement-breakpoint
CREATE TRIGGER statistics_facts_del AFTER DELETE ON consultations
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION statistics_facts_consultations_del();
--> statement-breakpoint
CREATE TRIGGER statistics_facts_ins AFTER INSERT ON risk_assessments
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION statistics_facts_children_new();
--> statement-breakpoint
CREATE TRIGGER statistics_facts_upd AFTER UPDATE ON risk_assessments
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION statistics_facts_assessments_upd();
--> statement-breakpoint
CREATE TRIGGER statistics_facts_del AFTER DELETE ON risk_assessments
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION statistics_facts_children_del();
--> statement-breakpoint
CREATE TRIGGER statistics_facts_ins AFTER INSERT ON referrals
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION statistics_facts_children_new();
--> statement-breakpoint
CREATE TRIGGER statistics_facts_upd AFTER UPDATE ON referrals
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION statistics_facts_referrals_upd();
--> statement-breakpoint
CREATE TRIGGER statistics_facts_del AFTER DELETE ON referrals
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION statistics_facts_children_del();
--> statement-breakpoint
CREATE TRIGGER statistics_facts_upd AFTER UPDATE ON partner_orgs
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION statistics_facts_partners_upd();
--> statement-breakpoint
-- The records made before this migration.
SELECT statistics_facts_refresh(ARRAY(SELECT id FROM consultations WHERE status = 'final'));
