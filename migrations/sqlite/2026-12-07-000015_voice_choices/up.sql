-- - voice_channel: the one side of a stereo call whose voice was disguised in its current
--   reviewer copy (the owner said the operator is on it); NULL when the whole mix was, or
--   nothing was;
-- - voice_mode may be 'strong', a stronger disguise beside the default.
-- SQLite cannot change a CHECK in place: the table is built again under the same name, its
-- rows keeping their ids, so the rows that point at them are whole again by the end of the
-- transaction (checked then).
PRAGMA defer_foreign_keys = ON;
CREATE TABLE recordings_copy AS SELECT * FROM recordings;
DROP TABLE recordings;
CREATE TABLE recordings (
    id                 TEXT PRIMARY KEY NOT NULL,
    operator_id        TEXT NOT NULL REFERENCES operators (id),
    script_version_id  TEXT NOT NULL REFERENCES script_versions (id),
    status             TEXT NOT NULL CHECK (status IN ('queued', 'processing', 'ready', 'failed')),
    error              TEXT,
    original_name      TEXT NOT NULL,
    original_file      TEXT NOT NULL,
    content_sha256     TEXT NOT NULL,
    size_bytes         BIGINT NOT NULL,
    duration_ms        BIGINT,
    channels           INTEGER,
    sample_rate        INTEGER,
    called_at          TIMESTAMP,
    direction          TEXT CHECK (direction IS NULL OR direction IN ('inbound', 'outbound')),
    customer_number    TEXT,
    voice_mode         TEXT NOT NULL DEFAULT 'off' CHECK (voice_mode IN ('off', 'pitch', 'strong', 'mcadams')),
    anonymized_file    TEXT,
    peaks_file         TEXT,
    reviews_required   INTEGER NOT NULL CHECK (reviews_required BETWEEN 1 AND 20),
    reviews_done       INTEGER NOT NULL DEFAULT 0 CHECK (reviews_done >= 0),
    acknowledged_at    TIMESTAMP,
    uploaded_by        TEXT REFERENCES users (id),
    created_at         TIMESTAMP NOT NULL,
    ready_at           TIMESTAMP,
    error_code         TEXT,
    build_generation   INTEGER NOT NULL DEFAULT 0,
    reviews_min        INTEGER,
    reviews_max        INTEGER,
    sample             TEXT CHECK (sample IS NULL OR sample IN ('held', 'out')),
    voice_channel      TEXT CHECK (voice_channel IN ('left', 'right')),
    CHECK (reviews_done <= reviews_required)
);
INSERT INTO recordings (
    id, operator_id, script_version_id, status, error, original_name, original_file,
    content_sha256, size_bytes, duration_ms, channels, sample_rate, called_at, direction,
    customer_number, voice_mode, anonymized_file, peaks_file, reviews_required,
    reviews_done, acknowledged_at, uploaded_by, created_at, ready_at, error_code,
    build_generation, reviews_min, reviews_max, sample
)
SELECT
    id, operator_id, script_version_id, status, error, original_name, original_file,
    content_sha256, size_bytes, duration_ms, channels, sample_rate, called_at, direction,
    customer_number, voice_mode, anonymized_file, peaks_file, reviews_required,
    reviews_done, acknowledged_at, uploaded_by, created_at, ready_at, error_code,
    build_generation, reviews_min, reviews_max, sample
FROM recordings_copy;
DROP TABLE recordings_copy;
CREATE INDEX recordings_operator ON recordings (operator_id, created_at);
CREATE INDEX recordings_status ON recordings (status, created_at);
CREATE INDEX recordings_sha256 ON recordings (content_sha256);
CREATE INDEX recordings_content ON recordings (content_sha256);
