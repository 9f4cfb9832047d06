DROP TABLE "rate_limits" CASCADE;--> statement-breakpoint
ALTER TABLE "operator_states" ADD COLUMN "wrap_up_ends_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "referrals" ADD COLUMN "escalate_at" timestamp with time zone;--> statement-breakpoint
-- Jobs moved to BullMQ (ADR 0002). The work itself stays here: give every open urgent referral its escalation
-- deadline and every wrap-up its end, so the worker's reconciler adds their jobs; then graphile-worker goes.
UPDATE "referrals" r SET "escalate_at" = r."created_at" + make_interval(mins => coalesce(
    (SELECT s."escalation_minutes" FROM "partner_type_settings" s JOIN "partner_orgs" p ON p."type" = s."type"
      WHERE p."id" = r."partner_org_id"), 15))
  WHERE r."urgency" = 'urgent' AND r."status" IN ('queued', 'sent', 'delivered');--> statement-breakpoint
UPDATE "operator_states" SET "wrap_up_ends_at" = "since" + interval '120 seconds' WHERE "status" = 'wrap_up';--> statement-breakpoint
DROP SCHEMA IF EXISTS "graphile_worker" CASCADE;--> statement-breakpoint
DROP SCHEMA IF EXISTS "graphile_migrate" CASCADE;
