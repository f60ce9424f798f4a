CREATE TABLE "actor_version_floors" (
	"actor_id" varchar(255) PRIMARY KEY NOT NULL,
	"version" bigint NOT NULL,
	"deleted_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
-- Hand-written: a deleted actor's version is kept (the highest of its incarnations), and an actor
-- created again under its id starts above it, however it is created (app writes, seeds, raw SQL alike):
-- versions of one id never repeat, so no old snapshot (a Redis key outliving the row) blocks the new
-- ones and no new write job shares an id with an old one.
CREATE OR REPLACE FUNCTION keep_actor_version_floor() RETURNS trigger AS $$
BEGIN
    INSERT INTO actor_version_floors AS f (actor_id, version) VALUES (OLD.id, OLD.version)
    ON CONFLICT (actor_id) DO UPDATE
        SET version = GREATEST(f.version, excluded.version), deleted_at = excluded.deleted_at;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER keep_actor_version_floor_after_delete AFTER DELETE ON actors
    FOR EACH ROW EXECUTE FUNCTION keep_actor_version_floor();
--> statement-breakpoint
-- Before every insert (an upsert's too: on a conflict its proposed row is discarded anyway).
CREATE OR REPLACE FUNCTION apply_actor_version_floor() RETURNS trigger AS $$
DECLARE
    floor_version bigint;
BEGIN
    SELECT version INTO floor_version FROM actor_version_floors WHERE actor_id = NEW.id;
    IF floor_version IS NOT NULL AND NEW.version <= floor_version THEN
        NEW.version := floor_version + 1;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER apply_actor_version_floor_before_insert BEFORE INSERT ON actors
    FOR EACH ROW EXECUTE FUNCTION apply_actor_version_floor();
