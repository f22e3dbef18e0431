-- The whole domain of DESIGN.md. Ids are random UUIDs kept as text, times are UTC.
-- Constraints carry the promises: one review per reviewer per recording, unique step keys
-- per version, comments on every incorrect or missing verdict, one gap per missing verdict.

CREATE TABLE operators (
    id           TEXT PRIMARY KEY NOT NULL,
    name         TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    external_id  TEXT UNIQUE CHECK (external_id IS NULL OR length(external_id) BETWEEN 1 AND 100),
    active       BOOLEAN NOT NULL DEFAULT 1,
    created_at   TIMESTAMP NOT NULL
);

CREATE TABLE users (
    id             TEXT PRIMARY KEY NOT NULL,
    login          TEXT NOT NULL UNIQUE CHECK (length(login) BETWEEN 1 AND 100),
    display_name   TEXT NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
    role           TEXT NOT NULL CHECK (role IN ('owner', 'reviewer', 'operator')),
    password_hash  TEXT NOT NULL,
    operator_id    TEXT UNIQUE REFERENCES operators (id),
    active         BOOLEAN NOT NULL DEFAULT 1,
    token_version  INTEGER NOT NULL DEFAULT 0,
    language       TEXT CHECK (language IS NULL OR language IN ('en', 'ru')),
    created_at     TIMESTAMP NOT NULL,
    CHECK ((role = 'operator') = (operator_id IS NOT NULL))
);

-- Single-use links: the first owner's setup link and the owner's invites.
CREATE TABLE invites (
    id           TEXT PRIMARY KEY NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    role         TEXT NOT NULL CHECK (role IN ('owner', 'reviewer', 'operator')),
    operator_id  TEXT REFERENCES operators (id),
    created_by   TEXT REFERENCES users (id),
    created_at   TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    used_at      TIMESTAMP,
    used_by      TEXT REFERENCES users (id),
    revoked_at   TIMESTAMP,
    CHECK ((role = 'operator') = (operator_id IS NOT NULL))
);

-- Failed logins per client address and per login, for rate limiting across processes.
CREATE TABLE login_throttle (
    throttle_key     TEXT PRIMARY KEY NOT NULL,
    window_start     TIMESTAMP NOT NULL,
    failures         INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE scripts (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_by  TEXT REFERENCES users (id),
    created_at  TIMESTAMP NOT NULL,
    archived    BOOLEAN NOT NULL DEFAULT 0
);

-- A published version is immutable: rows here are inserted, never updated.
CREATE TABLE script_versions (
    id            TEXT PRIMARY KEY NOT NULL,
    script_id     TEXT NOT NULL REFERENCES scripts (id),
    number        INTEGER NOT NULL CHECK (number >= 1),
    notes         TEXT NOT NULL DEFAULT '',
    published_by  TEXT REFERENCES users (id),
    published_at  TIMESTAMP NOT NULL,
    UNIQUE (script_id, number)
);

CREATE TABLE steps (
    id          TEXT PRIMARY KEY NOT NULL,
    version_id  TEXT NOT NULL REFERENCES script_versions (id),
    step_key    TEXT NOT NULL,
    position    INTEGER NOT NULL CHECK (position >= 1),
    title       TEXT NOT NULL CHECK (length(title) >= 1),
    say         TEXT NOT NULL DEFAULT '',
    guidance    TEXT NOT NULL DEFAULT '',
    UNIQUE (version_id, step_key),
    UNIQUE (version_id, position)
);

-- The owner's unpublished edit of a script (one per script), kept as JSON until published.
CREATE TABLE script_drafts (
    script_id   TEXT PRIMARY KEY NOT NULL REFERENCES scripts (id),
    body        TEXT NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);

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
    voice_mode         TEXT NOT NULL DEFAULT 'off' CHECK (voice_mode IN ('off', 'pitch', 'mcadams')),
    anonymized_file    TEXT,
    peaks_file         TEXT,
    reviews_required   INTEGER NOT NULL CHECK (reviews_required BETWEEN 1 AND 20),
    reviews_done       INTEGER NOT NULL DEFAULT 0 CHECK (reviews_done >= 0),
    acknowledged_at    TIMESTAMP,
    uploaded_by        TEXT REFERENCES users (id),
    created_at         TIMESTAMP NOT NULL,
    ready_at           TIMESTAMP,
    CHECK (reviews_done <= reviews_required)
);
CREATE INDEX recordings_operator ON recordings (operator_id, created_at);
CREATE INDEX recordings_status ON recordings (status, created_at);
CREATE INDEX recordings_sha256 ON recordings (content_sha256);

-- Ranges the owner marked to hide from reviewers (names, card numbers, …).
CREATE TABLE redactions (
    id            TEXT PRIMARY KEY NOT NULL,
    recording_id  TEXT NOT NULL REFERENCES recordings (id),
    start_ms      BIGINT NOT NULL CHECK (start_ms >= 0),
    end_ms        BIGINT NOT NULL,
    mode          TEXT NOT NULL CHECK (mode IN ('silence', 'bleep')),
    CHECK (end_ms > start_ms)
);
CREATE INDEX redactions_recording ON redactions (recording_id);

-- Background work that survives restarts; claimed with a conditional update.
CREATE TABLE jobs (
    id            TEXT PRIMARY KEY NOT NULL,
    kind          TEXT NOT NULL,
    recording_id  TEXT REFERENCES recordings (id),
    status        TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    run_after     TIMESTAMP NOT NULL,
    locked_by     TEXT,
    locked_until  TIMESTAMP,
    last_error    TEXT,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX jobs_due ON jobs (status, run_after);

-- One reviewer holding one recording for a limited time. Never twice the same pair.
CREATE TABLE assignments (
    id            TEXT PRIMARY KEY NOT NULL,
    code          TEXT NOT NULL UNIQUE,
    recording_id  TEXT NOT NULL REFERENCES recordings (id),
    reviewer_id   TEXT NOT NULL REFERENCES users (id),
    status        TEXT NOT NULL CHECK (status IN ('active', 'submitted', 'skipped', 'expired')),
    assigned_at   TIMESTAMP NOT NULL,
    expires_at    TIMESTAMP NOT NULL,
    finished_at   TIMESTAMP,
    skip_reason   TEXT,
    UNIQUE (recording_id, reviewer_id)
);
CREATE INDEX assignments_reviewer ON assignments (reviewer_id, status);
CREATE INDEX assignments_recording ON assignments (recording_id, status, expires_at);

CREATE TABLE reviews (
    id                 TEXT PRIMARY KEY NOT NULL,
    assignment_id      TEXT NOT NULL UNIQUE REFERENCES assignments (id),
    recording_id       TEXT NOT NULL REFERENCES recordings (id),
    reviewer_id        TEXT NOT NULL REFERENCES users (id),
    script_version_id  TEXT NOT NULL REFERENCES script_versions (id),
    submitted_at       TIMESTAMP NOT NULL,
    UNIQUE (recording_id, reviewer_id)
);
CREATE INDEX reviews_reviewer ON reviews (reviewer_id, submitted_at);

CREATE TABLE verdicts (
    id         TEXT PRIMARY KEY NOT NULL,
    review_id  TEXT NOT NULL REFERENCES reviews (id),
    step_id    TEXT NOT NULL REFERENCES steps (id),
    step_key   TEXT NOT NULL,
    verdict    TEXT NOT NULL CHECK (verdict IN ('correct', 'incorrect', 'missing')),
    comment    TEXT,
    at_ms      BIGINT CHECK (at_ms IS NULL OR at_ms >= 0),
    UNIQUE (review_id, step_id),
    CHECK (verdict = 'correct' OR (comment IS NOT NULL AND length(comment) > 0))
);

-- A missing verdict as an item of the owner's queue.
CREATE TABLE gaps (
    id                      TEXT PRIMARY KEY NOT NULL,
    verdict_id              TEXT NOT NULL UNIQUE REFERENCES verdicts (id),
    recording_id            TEXT NOT NULL REFERENCES recordings (id),
    script_id               TEXT NOT NULL REFERENCES scripts (id),
    script_version_id       TEXT NOT NULL REFERENCES script_versions (id),
    step_key                TEXT NOT NULL,
    status                  TEXT NOT NULL CHECK (status IN ('open', 'accepted', 'dismissed', 'resolved')),
    dismiss_reason          TEXT CHECK (dismiss_reason IS NULL OR dismiss_reason IN ('operator_error', 'noise', 'duplicate', 'other')),
    dismiss_note            TEXT,
    resolved_in_version_id  TEXT REFERENCES script_versions (id),
    triaged_by              TEXT REFERENCES users (id),
    created_at              TIMESTAMP NOT NULL,
    updated_at              TIMESTAMP NOT NULL
);
CREATE INDEX gaps_queue ON gaps (status, script_id, step_key, created_at);

-- Owner-editable settings that must be shared by every server process.
CREATE TABLE settings (
    name        TEXT PRIMARY KEY NOT NULL,
    value       TEXT NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);

CREATE TABLE audit_log (
    id           TEXT PRIMARY KEY NOT NULL,
    at           TIMESTAMP NOT NULL,
    actor_id     TEXT REFERENCES users (id),
    action       TEXT NOT NULL,
    object_type  TEXT NOT NULL,
    object_id    TEXT,
    details      TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at ON audit_log (at);
