ALTER TYPE "public"."call_state" ADD VALUE 'lost';--> statement-breakpoint
ALTER TABLE "consultations" ALTER COLUMN "reference" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "referrals" ALTER COLUMN "reference" SET NOT NULL;