-- A vendor's API credentials beside the secret that signs its events: the account key
-- (Mango Office's vpbx_api_key, Zadarma's API key) and the API's address (the vendor's own by
-- default; another for a regional or sandbox API).
ALTER TABLE connectors ADD COLUMN api_key TEXT;
ALTER TABLE connectors ADD COLUMN api_url TEXT;
