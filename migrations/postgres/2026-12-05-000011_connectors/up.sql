-- Connectors: a PBX (or any script) that pushes a signed event when a recording is ready.
-- One row per vendor with its secret (never shown again once saved) and the script its calls
-- are graded against; the last events each connector received, with what became of them.
CREATE TABLE connectors (
    vendor      TEXT PRIMARY KEY NOT NULL CHECK (vendor IN ('generic', 'mango', 'zadarma', 'megafon')),
    secret      TEXT NOT NULL,
    script_id   TEXT REFERENCES scripts (id),
    updated_at  TIMESTAMP NOT NULL,
    updated_by  TEXT REFERENCES users (id)
);

CREATE TABLE connector_events (
    id           TEXT PRIMARY KEY NOT NULL,
    vendor       TEXT NOT NULL,
    received_at  TIMESTAMP NOT NULL,
    outcome      TEXT NOT NULL,
    external_id  TEXT,
    detail       TEXT
);
CREATE INDEX connector_events_recent ON connector_events (vendor, received_at);
