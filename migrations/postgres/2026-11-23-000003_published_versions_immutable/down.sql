DROP TRIGGER steps_immutable ON steps;
DROP TRIGGER script_versions_immutable ON script_versions;
DROP FUNCTION refuse_published_change();
