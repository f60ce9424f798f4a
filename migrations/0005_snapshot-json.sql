-- Snapshots are written and read whole: json keeps the text as sent (validated) instead of converting
-- it to jsonb on every write and printing it back on every read. Queries with -> and ->> still work.
ALTER TABLE "snapshots" ALTER COLUMN "snapshot" SET DATA TYPE json USING "snapshot"::json;
