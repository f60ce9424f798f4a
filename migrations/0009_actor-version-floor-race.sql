-- Hand-written: 0008's insert trigger read actor_version_floors before its insert waited on a
-- concurrent, uncommitted delete of the same id, so the recreated actor could start at version 1 again.
-- It now first takes a key-share lock on any row of that id: that waits for such a delete to commit,
-- and the floor it then reads (a new statement, a new snapshot under READ COMMITTED) is the deleted
-- actor's. A row not being deleted is only key-share locked, which the insert's own conflict handling
-- (ON CONFLICT … DO UPDATE) does not mind; a delete of it waits for this transaction instead.
CREATE OR REPLACE FUNCTION apply_actor_version_floor() RETURNS trigger AS $$
DECLARE
    floor_version bigint;
BEGIN
    PERFORM 1 FROM actors WHERE id = NEW.id FOR KEY SHARE;
    SELECT version INTO floor_version FROM actor_version_floors WHERE actor_id = NEW.id;
    IF floor_version IS NOT NULL AND NEW.version <= floor_version THEN
        NEW.version := floor_version + 1;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
