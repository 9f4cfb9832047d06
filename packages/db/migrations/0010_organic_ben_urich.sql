CREATE TYPE "public"."follow_up_kind" AS ENUM('callback', 'order_checkin', 'order_reassess', 'risk_action');--> statement-breakpoint
CREATE TYPE "public"."follow_up_state" AS ENUM('due', 'done', 'missed', 'cancelled');--> statement-breakpoint
CREATE TABLE "follow_ups" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"consultation_id" uuid NOT NULL,
	"kind" "follow_up_kind" NOT NULL,
	"source" text NOT NULL,
	"state" "follow_up_state" DEFAULT 'due' NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"raise_at" timestamp with time zone NOT NULL,
	"raised_at" timestamp with time zone,
	"window_from" text,
	"window_to" text,
	"assignee_id" uuid,
	"done_consultation_id" uuid,
	"reason_sealed" "bytea",
	"key_version" integer,
	"closed_at" timestamp with time zone,
	"closed_by" uuid,
	"created_by" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "consultations" ADD COLUMN "previous_id" uuid;--> statement-breakpoint
ALTER TABLE "consultations" ADD COLUMN "follow_up_id" uuid;--> statement-breakpoint
ALTER TABLE "follow_ups" ADD CONSTRAINT "follow_ups_consultation_id_consultations_id_fk" FOREIGN KEY ("consultation_id") REFERENCES "public"."consultations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "follow_ups" ADD CONSTRAINT "follow_ups_assignee_id_users_id_fk" FOREIGN KEY ("assignee_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "follow_ups" ADD CONSTRAINT "follow_ups_done_consultation_id_consultations_id_fk" FOREIGN KEY ("done_consultation_id") REFERENCES "public"."consultations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "follow_ups" ADD CONSTRAINT "follow_ups_closed_by_users_id_fk" FOREIGN KEY ("closed_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "follow_ups" ADD CONSTRAINT "follow_ups_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "follow_ups_source_idx" ON "follow_ups" USING btree ("consultation_id","source");--> statement-breakpoint
CREATE INDEX "follow_ups_pending_idx" ON "follow_ups" USING btree ("raise_at") WHERE "follow_ups"."state" = 'due' AND "follow_ups"."raised_at" IS NULL;--> statement-breakpoint
CREATE INDEX "follow_ups_open_idx" ON "follow_ups" USING btree ("assignee_id","raise_at") WHERE "follow_ups"."state" = 'due';--> statement-breakpoint
CREATE INDEX "follow_ups_closed_idx" ON "follow_ups" USING btree ("closed_at") WHERE "follow_ups"."closed_at" IS NOT NULL;--> statement-breakpoint
ALTER TABLE "consultations" ADD CONSTRAINT "consultations_previous_id_consultations_id_fk" FOREIGN KEY ("previous_id") REFERENCES "public"."consultations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "consultations" ADD CONSTRAINT "consultations_follow_up_id_follow_ups_id_fk" FOREIGN KEY ("follow_up_id") REFERENCES "public"."follow_ups"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "consultations_previous_idx" ON "consultations" USING btree ("previous_id") WHERE "consultations"."previous_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "consultations_follow_up_idx" ON "consultations" USING btree ("follow_up_id") WHERE "consultations"."follow_up_id" IS NOT NULL;--> statement-breakpoint
-- Timed actions as data (docs/domain.md §5, §10): kg-hotline-risk 0.1's "Follow-up within 24 hours" (high) and
-- "within 72 hours" (medium) gain followUpHours in the stored document. Only that machine-readable timing is
-- added; items, weights, levels, floors and the actions' texts are unchanged, so every assessment stored under
-- 0.1 still means what it meant. A new installation gets the same document from packages/domain.
UPDATE "methodology_versions" m
   SET "document" = jsonb_set(m."document", '{actions}', (
         SELECT jsonb_object_agg(e.level, (
                  SELECT jsonb_agg(CASE x.a->>'id'
                                     WHEN 'follow_up_24h' THEN x.a || '{"followUpHours": 24}'::jsonb
                                     WHEN 'follow_up_72h' THEN x.a || '{"followUpHours": 72}'::jsonb
                                     ELSE x.a END ORDER BY x.ord)
                    FROM jsonb_array_elements(e.acts) WITH ORDINALITY AS x(a, ord)))
           FROM jsonb_each(m."document"->'actions') AS e(level, acts)))
 WHERE m."methodology_id" = 'kg-hotline-risk' AND m."version" = '0.1';
