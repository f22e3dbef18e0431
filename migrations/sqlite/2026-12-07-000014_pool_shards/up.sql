-- The pool in sixteen shards, so draws and reviews of different calls no longer queue on
-- one lock. A call's shard is the last hex digit of its id (random), the same rule the code
-- applies (assignments::pool::shard_of). Each shard has a lock row; each language's calls in
-- a shard are numbered 0..size-1 on their own, with that size in assignment_pool_parts, so a
-- draw still costs one random number and one index lookup: the parts are laid end to end.
CREATE TABLE assignment_pool_shards (
    shard  INTEGER PRIMARY KEY NOT NULL CHECK (shard >= 0 AND shard < 16)
);
INSERT INTO assignment_pool_shards (shard) VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9), (10), (11), (12), (13), (14), (15);

CREATE TABLE assignment_pool_sharded (
    language      TEXT NOT NULL,
    shard         INTEGER NOT NULL CHECK (shard >= 0 AND shard < 16),
    slot          INTEGER NOT NULL CHECK (slot >= 0),
    recording_id  TEXT NOT NULL UNIQUE REFERENCES recordings (id),
    PRIMARY KEY (language, shard, slot)
);
INSERT INTO assignment_pool_sharded (language, shard, slot, recording_id)
    SELECT language, shard,
           ROW_NUMBER() OVER (PARTITION BY language, shard ORDER BY slot) - 1, recording_id
    FROM (SELECT language, slot, recording_id, MAX(INSTR('0123456789abcdef', LOWER(SUBSTR(recording_id, -1))) - 1, 0) AS shard
          FROM assignment_pool) AS pooled;

CREATE TABLE assignment_pool_parts (
    language  TEXT NOT NULL,
    shard     INTEGER NOT NULL CHECK (shard >= 0 AND shard < 16),
    size      INTEGER NOT NULL CHECK (size >= 0),
    PRIMARY KEY (language, shard)
);
INSERT INTO assignment_pool_parts (language, shard, size)
    SELECT language, shard, COUNT(*) FROM assignment_pool_sharded GROUP BY language, shard;

DROP TABLE assignment_pool;
DROP TABLE assignment_pool_languages;
DROP TABLE assignment_pool_size;
ALTER TABLE assignment_pool_sharded RENAME TO assignment_pool;
