DROP INDEX "consultations_call_idx";--> statement-breakpoint
ALTER TABLE "calls" ADD COLUMN "lost_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "calls_lost_at_idx" ON "calls" USING btree ("lost_at") WHERE "calls"."state" in ('waiting', 'answered');--> statement-breakpoint
-- One consultation per call from now on: where a call had several (a supervisor's draft beside the operator's),
-- the first keeps the link and the later ones keep everything but it.
UPDATE "consultations" k SET "call_id" = NULL
 WHERE k."call_id" IS NOT NULL
   AND EXISTS (SELECT 1 FROM "consultations" e WHERE e."call_id" = k."call_id"
                 AND (e."created_at", e."id") < (k."created_at", k."id"));--> statement-breakpoint
CREATE UNIQUE INDEX "consultations_call_idx" ON "consultations" USING btree ("call_id") WHERE "consultations"."call_id" IS NOT NULL;;--> statement-breakpoint
-- Calls open before this migration get the default limits (30 minutes waiting, 4 hours answered) from their
-- last change; the worker's reconciler adds their jobs, and closes at once the ones already overdue.
UPDATE "calls" SET "lost_at" = date_trunc('milliseconds', "updated_at")
                              + CASE WHEN "state" = 'waiting' AND "operator_id" IS NULL
                                     THEN interval '30 minutes' ELSE interval '4 hours' END
 WHERE "state" IN ('waiting', 'answered');--> statement-breakpoint
-- The taxonomy gains the `phone` channel (a call to the line the PBX never reported) where it was stored before.
UPDATE "taxonomy_versions"
   SET "document" = jsonb_set("document", '{channels}', ("document"->'channels') || jsonb_build_array(jsonb_build_object(
         'id', 'phone',
         'label', jsonb_build_object('en', 'Phone call the PBX did not report',
                                     'ru', 'Телефонный звонок, не отмеченный АТС',
                                     'ky', 'АТС белгилебеген телефон чалуусу'))))
 WHERE "version" = 'kg-2026.1' AND NOT ("document"->'channels') @> '[{"id": "phone"}]'::jsonb;