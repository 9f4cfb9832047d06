CREATE TABLE "statistics_facts" (
	"consultation_id" uuid PRIMARY KEY NOT NULL,
	"day" date NOT NULL,
	"hour" smallint NOT NULL,
	"contact_kind" text NOT NULL,
	"caller_role" text NOT NULL,
	"gender" text NOT NULL,
	"age_band" text NOT NULL,
	"region" text NOT NULL,
	"settlement" text NOT NULL,
	"perpetrator_relation" text NOT NULL,
	"risk_level" text NOT NULL,
	"language" text NOT NULL,
	"disability" text NOT NULL,
	"channel" text NOT NULL,
	"violence_forms" text[] NOT NULL,
	"services_given" text[] NOT NULL,
	"referral_partner_types" text[] NOT NULL,
	"referral_outcomes" text[] NOT NULL
);
--> statement-breakpoint
ALTER TABLE "statistics_facts" ADD CONSTRAINT "statistics_facts_consultation_id_consultations_id_fk" FOREIGN KEY ("consultation_id") REFERENCES "public"."consultations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "statistics_facts_day_idx" ON "statistics_facts" USING btree ("day");