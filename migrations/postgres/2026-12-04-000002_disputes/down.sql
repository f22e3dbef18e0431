DROP INDEX assignments_dispute;
ALTER TABLE reviews DROP COLUMN dispute_id;
ALTER TABLE assignments DROP COLUMN dispute_id;
DROP TABLE dispute_steps;
DROP TABLE disputes;
