-- Every change to what a reviewer copy must hide (marked ranges, the voice setting) bumps
-- the recording's build generation; a copy built for an older generation is thrown away
-- instead of being marked ready.
ALTER TABLE recordings ADD COLUMN build_generation INTEGER NOT NULL DEFAULT 0;
