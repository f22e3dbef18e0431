DROP TABLE connector_events;
DROP TABLE connectors;
