-- An operator contests verdicts of their call (once per call: the UNIQUE). The call gets one
-- more review, blind: a reviewer who has not had it, through a lease that looks like any
-- other (assignments.dispute_id, which takes none of the call's review slots); that review
-- (reviews.dispute_id) counts in no figure of the call. The owner then upholds or overturns
-- each contested step with a note.
CREATE TABLE disputes (
    id            TEXT PRIMARY KEY NOT NULL,
    recording_id  TEXT NOT NULL UNIQUE REFERENCES recordings (id),
    opened_by     TEXT NOT NULL REFERENCES users (id),
    opened_at     TIMESTAMP NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('awaiting_review', 'awaiting_decision', 'decided')),
    re_review_id  TEXT REFERENCES reviews (id),
    decided_at    TIMESTAMP,
    decided_by    TEXT REFERENCES users (id)
);
CREATE INDEX disputes_open ON disputes (status, opened_at);

CREATE TABLE dispute_steps (
    dispute_id  TEXT NOT NULL REFERENCES disputes (id),
    step_key    TEXT NOT NULL,
    comment     TEXT NOT NULL CHECK (char_length(comment) BETWEEN 1 AND 4000),
    decision    TEXT CHECK (decision IS NULL OR decision IN ('upheld', 'overturned')),
    note        TEXT,
    decided_at  TIMESTAMP,
    decided_by  TEXT REFERENCES users (id),
    PRIMARY KEY (dispute_id, step_key),
    CHECK ((decision IS NULL) = (decided_at IS NULL))
);

ALTER TABLE assignments ADD COLUMN dispute_id TEXT REFERENCES disputes (id);
-- A draw looks up which disputes a lease holds: only the few re-review leases are indexed.
CREATE INDEX assignments_dispute ON assignments (dispute_id) WHERE dispute_id IS NOT NULL;
ALTER TABLE reviews ADD COLUMN dispute_id TEXT REFERENCES disputes (id);
