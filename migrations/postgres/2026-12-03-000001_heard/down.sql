ALTER TABLE reviews DROP COLUMN heard_ranges;
ALTER TABLE reviews DROP COLUMN heard_ms;
