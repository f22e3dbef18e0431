-- Login throttling per (login, client address) and per client address, with back-off. Keys
-- are SHA-256 digests (hex), so no input length reaches the index. The counts are short-lived
-- and in the old keys' shape mean nothing now: the table starts empty.
DROP TABLE login_throttle;
CREATE TABLE login_throttle (
    throttle_key  TEXT PRIMARY KEY NOT NULL CHECK (length(throttle_key) = 64),
    window_start  TIMESTAMP NOT NULL,
    failures      INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
    -- Blocks in a row (none a quiet day apart); each one lasts twice the one before.
    strikes       INTEGER NOT NULL DEFAULT 0 CHECK (strikes >= 0)
);
