CREATE TABLE "actors" (
	"id" varchar(255) PRIMARY KEY NOT NULL,
	"version" bigint NOT NULL,
	"data" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now(),
	"updated_at" timestamp with time zone DEFAULT now()
);
--> statement-breakpoint
CREATE TABLE "snapshots" (
	"actor_id" varchar(255) PRIMARY KEY NOT NULL,
	"version" bigint NOT NULL,
	"registry_version" text NOT NULL,
	"snapshot" jsonb NOT NULL,
	"resolved_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "subsystems" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "subsystems_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"actor_id" varchar(255) NOT NULL,
	"system_id" varchar(255) NOT NULL,
	"data" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now(),
	"updated_at" timestamp with time zone DEFAULT now(),
	CONSTRAINT "subsystems_actor_system_unique" UNIQUE("actor_id","system_id")
);
--> statement-breakpoint
ALTER TABLE "snapshots" ADD CONSTRAINT "snapshots_actor_id_actors_id_fk" FOREIGN KEY ("actor_id") REFERENCES "public"."actors"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subsystems" ADD CONSTRAINT "subsystems_actor_id_actors_id_fk" FOREIGN KEY ("actor_id") REFERENCES "public"."actors"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "idx_actors_version" ON "actors" USING btree ("version");--> statement-breakpoint
CREATE INDEX "idx_actors_data_gin" ON "actors" USING gin ("data");--> statement-breakpoint
CREATE INDEX "idx_subsystems_actor_id" ON "subsystems" USING btree ("actor_id");--> statement-breakpoint
CREATE INDEX "idx_subsystems_system_id" ON "subsystems" USING btree ("system_id");--> statement-breakpoint
CREATE INDEX "idx_subsystems_data_gin" ON "subsystems" USING gin ("data");