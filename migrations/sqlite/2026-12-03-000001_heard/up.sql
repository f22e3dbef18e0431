-- Proof of listening: how much of the call the reviewer's workspace reported as played, in
-- milliseconds, and those parts as merged ranges (`0-5300,8000-12000`). Both stay empty for
-- a review sent without them (the page without JavaScript, an older client).
ALTER TABLE reviews ADD COLUMN heard_ms BIGINT;
ALTER TABLE reviews ADD COLUMN heard_ranges TEXT;
