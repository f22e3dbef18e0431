-- Back to one lock and one numbering per language: the shards' slots laid end to end.
CREATE TABLE assignment_pool_size (
    id    INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    size  INTEGER NOT NULL CHECK (size >= 0)
);
INSERT INTO assignment_pool_size (id, size) SELECT 1, COUNT(*) FROM assignment_pool;

CREATE TABLE assignment_pool_languages (
    language  TEXT PRIMARY KEY NOT NULL,
    size      INTEGER NOT NULL CHECK (size >= 0)
);
INSERT INTO assignment_pool_languages (language, size)
    SELECT language, COUNT(*) FROM assignment_pool GROUP BY language;

CREATE TABLE assignment_pool_unsharded (
    language      TEXT NOT NULL,
    slot          INTEGER NOT NULL CHECK (slot >= 0),
    recording_id  TEXT NOT NULL UNIQUE REFERENCES recordings (id),
    PRIMARY KEY (language, slot)
);
INSERT INTO assignment_pool_unsharded (language, slot, recording_id)
    SELECT language, ROW_NUMBER() OVER (PARTITION BY language ORDER BY shard, slot) - 1,
           recording_id
    FROM assignment_pool;
DROP TABLE assignment_pool;
DROP TABLE assignment_pool_parts;
DROP TABLE assignment_pool_shards;
ALTER TABLE assignment_pool_unsharded RENAME TO assignment_pool;
