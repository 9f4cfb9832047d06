ALTER TABLE "calls" ADD COLUMN "assigned_by" uuid;--> statement-breakpoint
ALTER TABLE "operator_states" ADD COLUMN "break_ends_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "calls" ADD CONSTRAINT "calls_assigned_by_users_id_fk" FOREIGN KEY ("assigned_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;