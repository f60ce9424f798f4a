ALTER TABLE "actor_inputs" ADD COLUMN "packed" text;--> statement-breakpoint
ALTER TABLE "subsystems" ADD COLUMN "packed" text;--> statement-breakpoint
-- Hand-written: actor_inputs.packed is 'P' and the actor's subsystems.packed blocks joined by commas, or
-- NULL when any is NULL (the workers then read outputs). Both aggregates in id order, so that the text
-- and the packed form list outputs alike. One rebuild for both triggers, which differ only in the
-- actors they pass.
CREATE OR REPLACE FUNCTION rebuild_actor_inputs(actor_ids varchar[]) RETURNS void AS $$
    INSERT INTO actor_inputs (actor_id, outputs, packed)
    SELECT a.id,
           COALESCE((SELECT json_agg(s.data ORDER BY s.id)::text FROM subsystems s WHERE s.actor_id = a.id), '[]'),
           (SELECT CASE WHEN count(*) = count(s.packed)
                        THEN 'P' || COALESCE(string_agg(s.packed, ',' ORDER BY s.id), '') END
            FROM subsystems s WHERE s.actor_id = a.id)
    FROM actors a
    WHERE a.id = ANY(actor_ids)
    ON CONFLICT (actor_id) DO UPDATE SET outputs = excluded.outputs, packed = excluded.packed;
$$ LANGUAGE sql;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION refresh_actor_inputs() RETURNS trigger AS $$
BEGIN
    PERFORM rebuild_actor_inputs(ARRAY(SELECT DISTINCT actor_id FROM changed_rows));
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION refresh_actor_inputs_after_update() RETURNS trigger AS $$
BEGIN
    PERFORM rebuild_actor_inputs(ARRAY(SELECT actor_id FROM changed_rows UNION SELECT actor_id FROM old_rows));
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
-- A write that changes data but not packed (raw SQL, an older writer) leaves no stale packed form.
CREATE OR REPLACE FUNCTION clear_stale_packed() RETURNS trigger AS $$
BEGIN
    IF NEW.data IS DISTINCT FROM OLD.data AND NEW.packed IS NOT DISTINCT FROM OLD.packed THEN
        NEW.packed := NULL;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER clear_stale_packed BEFORE UPDATE ON subsystems
    FOR EACH ROW EXECUTE FUNCTION clear_stale_packed();
--> statement-breakpoint
-- Read whole on every load, as outputs is.
ALTER TABLE actor_inputs ALTER COLUMN packed SET STORAGE EXTERNAL;
