-- A published script version and its steps never change: calls graded against them must
-- read the same forever. The application only inserts; these triggers make sure of it.
CREATE FUNCTION refuse_published_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'published script versions and their steps are immutable';
END;
$$;
CREATE TRIGGER script_versions_immutable BEFORE UPDATE OR DELETE ON script_versions
    FOR EACH ROW EXECUTE FUNCTION refuse_published_change();
CREATE TRIGGER steps_immutable BEFORE UPDATE OR DELETE ON steps
    FOR EACH ROW EXECUTE FUNCTION refuse_published_change();
