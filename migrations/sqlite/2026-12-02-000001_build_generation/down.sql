ALTER TABLE recordings DROP COLUMN build_generation;
