CREATE TABLE "resolution_errors" (
	"actor_id" varchar(255) PRIMARY KEY NOT NULL,
	"version" bigint NOT NULL,
	"code" text NOT NULL,
	"error" jsonb NOT NULL,
	"job_id" text,
	"failed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "resolution_errors" ADD CONSTRAINT "resolution_errors_actor_id_actors_id_fk" FOREIGN KEY ("actor_id") REFERENCES "public"."actors"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "idx_resolution_errors_failed_at" ON "resolution_errors" USING btree ("failed_at");