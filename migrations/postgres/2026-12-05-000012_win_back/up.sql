-- The win-back list: lost calls with a failed step, for someone to call the customer back;
-- the owner marks what came of it.
CREATE TABLE win_backs (
    recording_id  TEXT PRIMARY KEY NOT NULL REFERENCES recordings (id),
    status        TEXT NOT NULL CHECK (status IN ('called_back', 'won_back', 'no_chance')),
    updated_at    TIMESTAMP NOT NULL,
    updated_by    TEXT REFERENCES users (id)
);
