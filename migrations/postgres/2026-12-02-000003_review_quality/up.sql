-- The owner's check on reviews: a review can be rejected (it then counts for nothing), a
-- reviewed call can be made a gold (control) call with an answer key, gold calls are mixed
-- into the reviewers' streams, and a reviewer whose gold accuracy falls too low is paused.

-- 'accepted' counts; 'rejected' counts nowhere (consensus, scores, gaps, earnings) until an
-- owner restores it. A gold review is a reviewer's review of a gold call: scored against the
-- key, never part of the operator's figures.
ALTER TABLE reviews ADD COLUMN status TEXT NOT NULL DEFAULT 'accepted'
    CHECK (status IN ('accepted', 'rejected'));
ALTER TABLE reviews ADD COLUMN gold BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE reviews ADD COLUMN rejected_at TIMESTAMP;
ALTER TABLE reviews ADD COLUMN rejected_by TEXT REFERENCES users (id);
ALTER TABLE reviews ADD COLUMN reject_reason TEXT;
CREATE INDEX reviews_recording ON reviews (recording_id, status);

-- A lease on a gold call: it takes no review slot of the call.
ALTER TABLE assignments ADD COLUMN gold BOOLEAN NOT NULL DEFAULT false;

-- A call the owner made gold. Unmarking keeps the row (active = false) and its key, so the
-- gold reviews already scored against it keep their score.
CREATE TABLE gold_calls (
    recording_id  TEXT PRIMARY KEY NOT NULL REFERENCES recordings (id),
    active        BOOLEAN NOT NULL DEFAULT true,
    marked_by     TEXT REFERENCES users (id),
    marked_at     TIMESTAMP NOT NULL,
    unmarked_at   TIMESTAMP
);
CREATE INDEX gold_calls_active ON gold_calls (active);

-- The answer key of a gold call, one row per step key; 'any' scores nothing.
CREATE TABLE gold_answers (
    recording_id  TEXT NOT NULL REFERENCES gold_calls (recording_id),
    step_key      TEXT NOT NULL,
    verdict       TEXT NOT NULL CHECK (verdict IN ('correct', 'incorrect', 'missing', 'any')),
    PRIMARY KEY (recording_id, step_key)
);

-- A reviewer the gold check (or an owner) paused: no new calls until an owner resumes them.
-- The automatic pause judges only gold steps scored after the last resume.
ALTER TABLE users ADD COLUMN paused_at TIMESTAMP;
ALTER TABLE users ADD COLUMN resumed_at TIMESTAMP;
