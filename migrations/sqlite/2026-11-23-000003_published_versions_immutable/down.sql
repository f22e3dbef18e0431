DROP TRIGGER steps_no_delete;
DROP TRIGGER steps_no_update;
DROP TRIGGER script_versions_no_delete;
DROP TRIGGER script_versions_no_update;
