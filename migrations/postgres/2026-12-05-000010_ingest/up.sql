-- Calls that arrive by themselves: machine keys for the ingest API, extensions mapped to
-- operators, the inbound calls (a PBX's call id is one call however often it is sent),
-- the call's outcome, and sampling plans per script.

-- A key is shown once; only its SHA-256 is kept (it is 32 random bytes: no slow hash needed).
CREATE TABLE api_keys (
    id            TEXT PRIMARY KEY NOT NULL,
    name          TEXT NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    scope         TEXT NOT NULL CHECK (scope IN ('ingest')),
    key_hash      TEXT NOT NULL UNIQUE,
    prefix        TEXT NOT NULL,
    created_by    TEXT REFERENCES users (id),
    created_at    TIMESTAMP NOT NULL,
    last_used_at  TIMESTAMP,
    revoked_at    TIMESTAMP,
    revoked_by    TEXT REFERENCES users (id)
);
-- Two live keys never share a name: the audit log names the key.
CREATE UNIQUE INDEX api_keys_live_name ON api_keys (name) WHERE revoked_at IS NULL;

-- The PBX's extension or employee id of an operator.
CREATE TABLE operator_extensions (
    extension    TEXT PRIMARY KEY NOT NULL CHECK (char_length(extension) BETWEEN 1 AND 64),
    operator_id  TEXT NOT NULL REFERENCES operators (id),
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX operator_extensions_operator ON operator_extensions (operator_id);

-- Every call that came with an external id (the ingest API, a connector): the UNIQUE makes
-- a repeated event the same call. It becomes a recording once its file is here and its
-- operator is known; until then it waits (fetching, needs_operator) or ends failed.
CREATE TABLE inbound_calls (
    id                  TEXT PRIMARY KEY NOT NULL,
    external_id         TEXT NOT NULL UNIQUE CHECK (char_length(external_id) BETWEEN 1 AND 200),
    source              TEXT NOT NULL,
    source_name         TEXT,
    state               TEXT NOT NULL CHECK (state IN ('fetching', 'needs_operator', 'failed', 'accepted')),
    operator_id         TEXT REFERENCES operators (id),
    operator_extension  TEXT,
    script_id           TEXT REFERENCES scripts (id),
    called_at           TIMESTAMP,
    direction           TEXT,
    customer_number     TEXT,
    outcome             TEXT,
    language            TEXT,
    reviews_required    INTEGER,
    original_name       TEXT,
    original_file       TEXT,
    content_sha256      TEXT,
    size_bytes          BIGINT,
    recording_id        TEXT REFERENCES recordings (id),
    error               TEXT,
    attempts            INTEGER NOT NULL DEFAULT 0,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);
CREATE INDEX inbound_calls_waiting ON inbound_calls (state, created_at);
CREATE INDEX inbound_calls_extension ON inbound_calls (operator_extension) WHERE state = 'needs_operator';

-- A fetch job names its inbound call and what to fetch (connector-specific JSON).
ALTER TABLE jobs ADD COLUMN inbound_id TEXT REFERENCES inbound_calls (id);
ALTER TABLE jobs ADD COLUMN payload TEXT;

-- How the call ended, if known (owner only: reviewers grade blind).
CREATE TABLE call_outcomes (
    recording_id  TEXT PRIMARY KEY NOT NULL REFERENCES recordings (id),
    outcome       TEXT NOT NULL CHECK (outcome IN ('won', 'lost')),
    reason        TEXT CHECK (reason IS NULL OR char_length(reason) <= 500),
    updated_at    TIMESTAMP NOT NULL,
    updated_by    TEXT REFERENCES users (id)
);
-- Sampling: NULL = the call is reviewed; 'held' = in its period's sample, reviewed when the
-- period ends; 'out' = not sampled (the owner can still listen or pull it in).
ALTER TABLE recordings ADD COLUMN sample TEXT CHECK (sample IS NULL OR sample IN ('held', 'out'));
CREATE INDEX recordings_content ON recordings (content_sha256);

-- A script's sampling plan: every call (NULL size), or `sample_size` random calls per
-- operator per day, week or month, optionally only calls of at least `sample_min_seconds`
-- and of one direction.
ALTER TABLE scripts ADD COLUMN sample_size INTEGER CHECK (sample_size IS NULL OR sample_size BETWEEN 1 AND 10000);
ALTER TABLE scripts ADD COLUMN sample_period TEXT NOT NULL DEFAULT 'week' CHECK (sample_period IN ('day', 'week', 'month'));
ALTER TABLE scripts ADD COLUMN sample_min_seconds INTEGER CHECK (sample_min_seconds IS NULL OR sample_min_seconds BETWEEN 1 AND 86400);
ALTER TABLE scripts ADD COLUMN sample_direction TEXT CHECK (sample_direction IS NULL OR sample_direction IN ('inbound', 'outbound'));

-- One operator's period of one script: how many eligible calls arrived (`seen`) and how
-- many are in the sample (`taken`, never above the plan's size).
CREATE TABLE sample_periods (
    script_id        TEXT NOT NULL REFERENCES scripts (id),
    operator_id      TEXT NOT NULL REFERENCES operators (id),
    period_start     TIMESTAMP NOT NULL,
    period_end       TIMESTAMP NOT NULL,
    sample_size      INTEGER NOT NULL,
    seen             INTEGER NOT NULL,
    taken            INTEGER NOT NULL,
    last_arrival_at  TIMESTAMP NOT NULL,
    released_at      TIMESTAMP,
    PRIMARY KEY (script_id, operator_id, period_start)
);
CREATE INDEX sample_periods_due ON sample_periods (period_end) WHERE released_at IS NULL;
-- The calls of a period's sample (held, then reviewed) and those it left out.
CREATE TABLE sample_members (
    recording_id  TEXT PRIMARY KEY NOT NULL REFERENCES recordings (id),
    script_id     TEXT NOT NULL,
    operator_id   TEXT NOT NULL,
    period_start  TIMESTAMP NOT NULL,
    taken         BOOLEAN NOT NULL,
    decided_at    TIMESTAMP NOT NULL,
    FOREIGN KEY (script_id, operator_id, period_start)
        REFERENCES sample_periods (script_id, operator_id, period_start)
);
CREATE INDEX sample_members_period ON sample_members (script_id, operator_id, period_start, taken);
