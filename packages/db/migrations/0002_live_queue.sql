CREATE TYPE "public"."operator_status" AS ENUM('available', 'on_call', 'wrap_up', 'break', 'offline');--> statement-breakpoint
CREATE TABLE "operator_states" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"status" "operator_status" DEFAULT 'offline' NOT NULL,
	"since" timestamp with time zone DEFAULT now() NOT NULL,
	"call_id" uuid
);
--> statement-breakpoint
CREATE TABLE "queue_state" (
	"id" integer PRIMARY KEY DEFAULT 1 NOT NULL,
	"version" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "call_events" ADD COLUMN "caller_hash" text;--> statement-breakpoint
ALTER TABLE "calls" ADD COLUMN "extension" text;--> statement-breakpoint
ALTER TABLE "calls" ADD COLUMN "prior_contacts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "calls" ADD COLUMN "taken_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "extension" text;--> statement-breakpoint
ALTER TABLE "operator_states" ADD CONSTRAINT "operator_states_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "operator_states" ADD CONSTRAINT "operator_states_call_id_calls_id_fk" FOREIGN KEY ("call_id") REFERENCES "public"."calls"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "operator_states_status_idx" ON "operator_states" USING btree ("status");--> statement-breakpoint
CREATE INDEX "calls_active_idx" ON "calls" USING btree ("offered_at") WHERE "calls"."state" in ('waiting', 'answered');--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_extension_unique" UNIQUE("extension");--> statement-breakpoint
INSERT INTO "queue_state" ("id", "version") VALUES (1, 0) ON CONFLICT DO NOTHING;
