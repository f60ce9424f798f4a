-- Hand-written: keeps actor_inputs.outputs equal to the JSON array of the actor's subsystem outputs
-- after every statement that writes subsystems (app writes, seeds, raw SQL alike). Statement-level
-- triggers with transition tables rebuild each touched actor once per statement, however many rows.
CREATE OR REPLACE FUNCTION refresh_actor_inputs() RETURNS trigger AS $$
BEGIN
    INSERT INTO actor_inputs (actor_id, outputs)
    SELECT a.id,
           COALESCE((SELECT json_agg(s.data)::text FROM subsystems s WHERE s.actor_id = a.id), '[]')
    FROM actors a
    WHERE a.id IN (SELECT DISTINCT actor_id FROM changed_rows)
    ON CONFLICT (actor_id) DO UPDATE SET outputs = excluded.outputs;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER refresh_actor_inputs_after_insert AFTER INSERT ON subsystems
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION refresh_actor_inputs();
--> statement-breakpoint
-- An UPDATE may move a row to another actor: both the old and the new owner are refreshed.
CREATE OR REPLACE FUNCTION refresh_actor_inputs_after_update() RETURNS trigger AS $$
BEGIN
    INSERT INTO actor_inputs (actor_id, outputs)
    SELECT a.id,
           COALESCE((SELECT json_agg(s.data)::text FROM subsystems s WHERE s.actor_id = a.id), '[]')
    FROM actors a
    WHERE a.id IN (SELECT actor_id FROM changed_rows UNION SELECT actor_id FROM old_rows)
    ON CONFLICT (actor_id) DO UPDATE SET outputs = excluded.outputs;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER refresh_actor_inputs_after_update AFTER UPDATE ON subsystems
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION refresh_actor_inputs_after_update();
--> statement-breakpoint
CREATE TRIGGER refresh_actor_inputs_after_delete AFTER DELETE ON subsystems
    REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION refresh_actor_inputs();
--> statement-breakpoint
-- Read whole on every load: stored uncompressed, so a load copies instead of decompressing.
ALTER TABLE actor_inputs ALTER COLUMN outputs SET STORAGE EXTERNAL;
--> statement-breakpoint
-- Databases migrated before this table existed.
INSERT INTO actor_inputs (actor_id, outputs)
SELECT a.id, COALESCE((SELECT json_agg(s.data)::text FROM subsystems s WHERE s.actor_id = a.id), '[]')
FROM actors a
ON CONFLICT (actor_id) DO NOTHING;
