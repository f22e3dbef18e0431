DELETE FROM gaps WHERE verdict_id IN (SELECT id FROM verdicts WHERE verdict = 'did_not_arise');
DELETE FROM verdicts WHERE verdict = 'did_not_arise';
ALTER TABLE verdicts DROP CONSTRAINT verdicts_verdict_check;
ALTER TABLE verdicts DROP CONSTRAINT verdicts_check;
ALTER TABLE verdicts ADD CONSTRAINT verdicts_verdict_check
    CHECK (verdict IN ('correct', 'incorrect', 'missing'));
ALTER TABLE verdicts ADD CONSTRAINT verdicts_check
    CHECK (verdict = 'correct' OR (comment IS NOT NULL AND char_length(comment) > 0));
ALTER TABLE steps DROP COLUMN weight;
ALTER TABLE steps DROP COLUMN optional;
ALTER TABLE steps DROP COLUMN critical;
