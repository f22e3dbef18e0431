-- The recordings a reviewer can be given right now (ready, with a review slot free), kept
-- densely numbered 0..size-1 so a uniform draw is one random number and one index lookup,
-- however many recordings there are. Maintained in the same transactions that change a
-- recording's status, reviews or leases.
CREATE TABLE assignment_pool (
    slot          INTEGER PRIMARY KEY NOT NULL CHECK (slot >= 0),
    recording_id  TEXT NOT NULL UNIQUE REFERENCES recordings (id)
);

-- One row: the pool's size. Every draw updates it first, which serializes draws on
-- PostgreSQL (a row lock) as BEGIN IMMEDIATE does on SQLite.
CREATE TABLE assignment_pool_size (
    id    INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    size  INTEGER NOT NULL CHECK (size >= 0)
);
INSERT INTO assignment_pool_size (id, size) VALUES (1, 0);

CREATE INDEX assignments_expiry ON assignments (status, expires_at);
