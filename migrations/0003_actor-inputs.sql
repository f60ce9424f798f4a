CREATE TABLE "actor_inputs" (
	"actor_id" varchar(255) PRIMARY KEY NOT NULL,
	"outputs" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "actor_inputs" ADD CONSTRAINT "actor_inputs_actor_id_actors_id_fk" FOREIGN KEY ("actor_id") REFERENCES "public"."actors"("id") ON DELETE cascade ON UPDATE no action;