-- Keep each actor's packed inputs in its row instead of in TOAST. Out of line, every load fetched 4+
-- chunks per actor through the TOAST index; in line, a load reads one heap page per actor (a 500-actor
-- load measured ~4 ms against ~6-9). The JSON `outputs` beside it (storage EXTENDED) is the one moved out:
-- MAIN lets the packed text leave the row only when the row cannot fit in a page even without it.
-- Rows written before this keep their layout until they are next written (or VACUUM FULL actor_inputs).
ALTER TABLE actor_inputs ALTER COLUMN packed SET STORAGE MAIN;--> statement-breakpoint
ALTER TABLE actor_inputs SET (toast_tuple_target = 8160);
