CREATE TABLE "consultation_addenda" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"consultation_id" uuid NOT NULL,
	"author_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"text_ciphertext" "bytea" NOT NULL,
	"key_version" integer NOT NULL,
	"signature" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "risk_assessments" ALTER COLUMN "score" SET DATA TYPE double precision;--> statement-breakpoint
ALTER TABLE "risk_assessments" ADD COLUMN "minimum_level" text NOT NULL;--> statement-breakpoint
ALTER TABLE "risk_assessments" ADD COLUMN "result" jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "consultation_addenda" ADD CONSTRAINT "consultation_addenda_consultation_id_consultations_id_fk" FOREIGN KEY ("consultation_id") REFERENCES "public"."consultations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "consultation_addenda" ADD CONSTRAINT "consultation_addenda_author_id_users_id_fk" FOREIGN KEY ("author_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "consultation_addenda_consultation_idx" ON "consultation_addenda" USING btree ("consultation_id","created_at");