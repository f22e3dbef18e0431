-- Copies built with the strong disguise are recorded as the pitch shift they mostly are.
UPDATE recordings SET voice_mode = 'pitch' WHERE voice_mode = 'strong';
UPDATE settings SET value = 'pitch' WHERE name = 'voice_mode' AND value = 'strong';
DELETE FROM settings WHERE name = 'operator_channel';
ALTER TABLE recordings DROP CONSTRAINT recordings_voice_mode_check;
ALTER TABLE recordings ADD CONSTRAINT recordings_voice_mode_check
    CHECK (voice_mode IN ('off', 'pitch', 'mcadams'));
ALTER TABLE recordings DROP COLUMN voice_channel;
