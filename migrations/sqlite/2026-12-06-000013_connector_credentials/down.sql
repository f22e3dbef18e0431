ALTER TABLE connectors DROP COLUMN api_url;
ALTER TABLE connectors DROP COLUMN api_key;
