DROP INDEX reviews_submitted;
ALTER TABLE reviews DROP COLUMN checked_by;
ALTER TABLE reviews DROP COLUMN checked_at;
