PRAGMA defer_foreign_keys = ON;
CREATE TABLE verdicts_copy AS SELECT * FROM verdicts WHERE verdict <> 'did_not_arise';
DELETE FROM gaps WHERE verdict_id IN (SELECT id FROM verdicts WHERE verdict = 'did_not_arise');
DROP TABLE verdicts;
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
INSERT INTO verdicts (id, review_id, step_id, step_key, verdict, comment, at_ms)
    SELECT id, review_id, step_id, step_key, verdict, comment, at_ms FROM verdicts_copy;
DROP TABLE verdicts_copy;
ALTER TABLE steps DROP COLUMN weight;
ALTER TABLE steps DROP COLUMN optional;
ALTER TABLE steps DROP COLUMN critical;
