ALTER TABLE recordings DROP COLUMN reviews_max;
ALTER TABLE recordings DROP COLUMN reviews_min;
ALTER TABLE scripts DROP COLUMN max_reviews;
ALTER TABLE scripts DROP COLUMN min_reviews;
