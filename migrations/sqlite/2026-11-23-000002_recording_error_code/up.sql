-- A failed recording keeps a stable code next to its message, so pages can explain the
-- failure in the reader's language.
ALTER TABLE recordings ADD COLUMN error_code TEXT;
