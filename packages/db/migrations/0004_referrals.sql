CREATE TABLE "partner_type_settings" (
	"type" "partner_type" PRIMARY KEY NOT NULL,
	"escalation_minutes" integer DEFAULT 15 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "partner_orgs" ADD COLUMN "webhook_secret_sealed" "bytea";--> statement-breakpoint
ALTER TABLE "partner_orgs" ADD COLUMN "webhook_secret_key_version" integer;--> statement-breakpoint
ALTER TABLE "referral_events" ADD COLUMN "actor" text;--> statement-breakpoint
ALTER TABLE "referrals" ADD COLUMN "consent_exception" text;--> statement-breakpoint
ALTER TABLE "referrals" ADD COLUMN "fields" text[] DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE "referrals" ADD COLUMN "message_sealed" "bytea";--> statement-breakpoint
ALTER TABLE "referrals" ADD COLUMN "outcome_sealed" "bytea";--> statement-breakpoint
ALTER TABLE "referrals" ADD COLUMN "key_version" integer;--> statement-breakpoint
ALTER TABLE "referrals" ADD COLUMN "rejection_reason" text;--> statement-breakpoint
ALTER TABLE "referrals" ADD COLUMN "attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "referrals" ADD COLUMN "last_error" text;--> statement-breakpoint
ALTER TABLE "referrals" ADD COLUMN "ack_token_hash" text;--> statement-breakpoint
ALTER TABLE "referrals" ADD COLUMN "ack_token_expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "referrals" ADD COLUMN "delivered_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "referrals" ADD COLUMN "acknowledged_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "referrals" ADD COLUMN "escalated_at" timestamp with time zone;--> statement-breakpoint
CREATE UNIQUE INDEX "referrals_ack_token_idx" ON "referrals" USING btree ("ack_token_hash");--> statement-breakpoint
CREATE INDEX "referrals_open_idx" ON "referrals" USING btree ("status","created_at") WHERE "referrals"."status" not in ('done', 'revoked', 'rejected');