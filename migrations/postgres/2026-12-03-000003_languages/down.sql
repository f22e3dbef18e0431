-- Back to one numbering: the languages' slots laid end to end.
CREATE TABLE assignment_pool_single (
    slot          INTEGER PRIMARY KEY NOT NULL CHECK (slot >= 0),
    recording_id  TEXT NOT NULL UNIQUE REFERENCES recordings (id)
);
INSERT INTO assignment_pool_single (slot, recording_id)
    SELECT ROW_NUMBER() OVER (ORDER BY language, slot) - 1, recording_id FROM assignment_pool;
DROP TABLE assignment_pool;
ALTER TABLE assignment_pool_single RENAME TO assignment_pool;
ALTER TABLE assignment_pool RENAME CONSTRAINT assignment_pool_single_pkey TO assignment_pool_pkey;
ALTER TABLE assignment_pool RENAME CONSTRAINT assignment_pool_single_recording_id_key
    TO assignment_pool_recording_id_key;
ALTER TABLE assignment_pool RENAME CONSTRAINT assignment_pool_single_recording_id_fkey
    TO assignment_pool_recording_id_fkey;
ALTER TABLE assignment_pool RENAME CONSTRAINT assignment_pool_single_slot_check
    TO assignment_pool_slot_check;
DROP TABLE assignment_pool_languages;
DROP TABLE reviewer_languages;
ALTER TABLE scripts DROP COLUMN language;
