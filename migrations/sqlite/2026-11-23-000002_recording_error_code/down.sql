ALTER TABLE recordings DROP COLUMN error_code;
