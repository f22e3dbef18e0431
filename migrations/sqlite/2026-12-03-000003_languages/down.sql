-- Back to one numbering: the languages' slots laid end to end.
CREATE TABLE assignment_pool_single (
    slot          INTEGER PRIMARY KEY NOT NULL CHECK (slot >= 0),
    recording_id  TEXT NOT NULL UNIQUE REFERENCES recordings (id)
);
INSERT INTO assignment_pool_single (slot, recording_id)
    SELECT ROW_NUMBER() OVER (ORDER BY language, slot) - 1, recording_id FROM assignment_pool;
DROP TABLE assignment_pool;
ALTER TABLE assignment_pool_single RENAME TO assignment_pool;
DROP TABLE assignment_pool_languages;
DROP TABLE reviewer_languages;
ALTER TABLE scripts DROP COLUMN language;
