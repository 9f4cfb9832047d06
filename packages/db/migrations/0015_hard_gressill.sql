CREATE TABLE "operator_state_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"status" "operator_status" NOT NULL,
	"call_id" uuid,
	"started_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "operator_state_log" ADD CONSTRAINT "operator_state_log_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "operator_state_log_open_idx" ON "operator_state_log" USING btree ("user_id") WHERE "operator_state_log"."ended_at" IS NULL;--> statement-breakpoint
CREATE INDEX "operator_state_log_started_idx" ON "operator_state_log" USING btree ("started_at","status");--> statement-breakpoint
CREATE INDEX "operator_state_log_ended_idx" ON "operator_state_log" USING btree ("ended_at");--> statement-breakpoint
CREATE INDEX "calls_offered_idx" ON "calls" USING btree ("offered_at","state","answered_at","ended_at","short_abandoned");--> statement-breakpoint
CREATE INDEX "consultations_created_idx" ON "consultations" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "consultations_draft_idx" ON "consultations" USING btree ("updated_at") WHERE "consultations"."status" = 'draft';
--> statement-breakpoint
-- The history of operator states is written by the database itself, in the transaction of every change to
-- operator_states (setOperatorStatus, the end of a wrap-up, the board's changes, anything else): the period
-- that was open is closed and the new one opened at the new `since` (or now, when a writer changed the state
-- without moving `since`). A change of anything else (a break offer) is not a new period.
CREATE OR REPLACE FUNCTION operator_state_log_write() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_at timestamptz := CASE WHEN TG_OP = 'UPDATE' AND NEW.since IS NOT DISTINCT FROM OLD.since
                           THEN clock_timestamp() ELSE NEW.since END;
BEGIN
  UPDATE operator_state_log SET ended_at = greatest(v_at, started_at)
   WHERE user_id = NEW.user_id AND ended_at IS NULL;
  INSERT INTO operator_state_log (user_id, status, call_id, started_at)
  VALUES (NEW.user_id, NEW.status, NEW.call_id, v_at);
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER operator_states_log_insert AFTER INSERT ON operator_states
  FOR EACH ROW EXECUTE FUNCTION operator_state_log_write();
--> statement-breakpoint
CREATE TRIGGER operator_states_log_update AFTER UPDATE ON operator_states
  FOR EACH ROW
  WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.call_id IS DISTINCT FROM NEW.call_id
        OR OLD.since IS DISTINCT FROM NEW.since)
  EXECUTE FUNCTION operator_state_log_write();
--> statement-breakpoint
-- The history begins with the states as they are now.
INSERT INTO operator_state_log (user_id, status, call_id, started_at)
SELECT user_id, status, call_id, since FROM operator_states;
