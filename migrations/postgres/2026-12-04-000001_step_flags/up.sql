-- Scorecard flags of a step, fixed with its version like the rest of it:
-- - critical: an `incorrect` consensus on it fails the whole call (score 0);
-- - optional: the step may not come up at all; reviewers may then say `did_not_arise`;
-- - weight: its share in the score when the owner weighs steps (NULL: not weighed).
ALTER TABLE steps ADD COLUMN critical BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE steps ADD COLUMN optional BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE steps ADD COLUMN weight INTEGER CHECK (weight IS NULL OR weight BETWEEN 1 AND 100);

-- A fourth verdict, `did_not_arise`, which needs no comment.
ALTER TABLE verdicts DROP CONSTRAINT verdicts_verdict_check;
ALTER TABLE verdicts DROP CONSTRAINT verdicts_check;
ALTER TABLE verdicts ADD CONSTRAINT verdicts_verdict_check
    CHECK (verdict IN ('correct', 'incorrect', 'missing', 'did_not_arise'));
ALTER TABLE verdicts ADD CONSTRAINT verdicts_check
    CHECK (verdict IN ('correct', 'did_not_arise') OR (comment IS NOT NULL AND char_length(comment) > 0));
