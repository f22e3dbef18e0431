-- A published script version and its steps never change: calls graded against them must
-- read the same forever. The application only inserts; these triggers make sure of it.
CREATE TRIGGER script_versions_no_update BEFORE UPDATE ON script_versions
BEGIN SELECT RAISE(ABORT, 'published script versions are immutable'); END;
CREATE TRIGGER script_versions_no_delete BEFORE DELETE ON script_versions
BEGIN SELECT RAISE(ABORT, 'published script versions are immutable'); END;
CREATE TRIGGER steps_no_update BEFORE UPDATE ON steps
BEGIN SELECT RAISE(ABORT, 'published script steps are immutable'); END;
CREATE TRIGGER steps_no_delete BEFORE DELETE ON steps
BEGIN SELECT RAISE(ABORT, 'published script steps are immutable'); END;
