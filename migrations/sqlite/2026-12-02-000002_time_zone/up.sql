-- A person's own time zone for the times pages show (an IANA name); NULL: the organization's.
ALTER TABLE users ADD COLUMN time_zone TEXT;
