-- The one side of a stereo call whose voice was disguised in its current reviewer copy (the
-- owner said the operator is on it); NULL when the whole mix was, or nothing was.
ALTER TABLE recordings ADD COLUMN voice_channel TEXT CHECK (voice_channel IN ('left', 'right'));
-- A stronger disguise beside the default.
ALTER TABLE recordings DROP CONSTRAINT recordings_voice_mode_check;
ALTER TABLE recordings ADD CONSTRAINT recordings_voice_mode_check
    CHECK (voice_mode IN ('off', 'pitch', 'strong', 'mcadams'));
