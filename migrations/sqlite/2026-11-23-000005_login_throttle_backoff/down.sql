DROP TABLE login_throttle;
CREATE TABLE login_throttle (
    throttle_key     TEXT PRIMARY KEY NOT NULL,
    window_start     TIMESTAMP NOT NULL,
    failures         INTEGER NOT NULL DEFAULT 0
);
