-- Scorecard flags of a step, fixed with its version like the rest of it:
-- - critical: an `incorrect` consensus on it fails the whole call (score 0);
-- - optional: the step may not come up at all; reviewers may then say `did_not_arise`;
-- - weight: its share in the score when the owner weighs steps (NULL: not weighed).
ALTER TABLE steps ADD COLUMN critical BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE steps ADD COLUMN optional BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE steps ADD COLUMN weight INTEGER CHECK (weight IS NULL OR weight BETWEEN 1 AND 100);

-- A fourth verdict, `did_not_arise`, which needs no comment. SQLite cannot change a CHECK in
-- place: the table is built again under the same name. Its rows keep their ids, so the gaps
-- that point at them are whole again by the end of the transaction (checked then).
PRAGMA defer_foreign_keys = ON;
CREATE TABLE verdicts_copy AS SELECT * FROM verdicts;
DROP TABLE verdicts;
CREATE TABLE verdicts (
    id         TEXT PRIMARY KEY NOT NULL,
    review_id  TEXT NOT NULL REFERENCES reviews (id),
    step_id    TEXT NOT NULL REFERENCES steps (id),
    step_key   TEXT NOT NULL,
    verdict    TEXT NOT NULL CHECK (verdict IN ('correct', 'incorrect', 'missing', 'did_not_arise')),
    comment    TEXT,
    at_ms      BIGINT CHECK (at_ms IS NULL OR at_ms >= 0),
    UNIQUE (review_id, step_id),
    CHECK (verdict IN ('correct', 'did_not_arise') OR (comment IS NOT NULL AND length(comment) > 0))
);
INSERT INTO verdicts (id, review_id, step_id, step_key, verdict, comment, at_ms)
    SELECT id, review_id, step_id, step_key, verdict, comment, at_ms FROM verdicts_copy;
DROP TABLE verdicts_copy;
