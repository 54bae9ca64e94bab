-- Version 6: each audit entry names the user the change was made to, if
-- any, in a column of its own with an index, so that a user's history is
-- read a page at a time from the index, not found by scanning the trail.
-- Existing entries get it from their action's JSON (`user.id`, which
-- migration 5 wrote).
ALTER TABLE audit ADD COLUMN target BLOB CHECK (target IS NULL OR length(target) = 16);

UPDATE audit
   SET target = unhex(replace(json_extract(action, '$.user.id'), '-', ''))
 WHERE json_extract(action, '$.user.id') IS NOT NULL;

CREATE INDEX audit_by_target ON audit (account, target, sequence) WHERE target IS NOT NULL;
