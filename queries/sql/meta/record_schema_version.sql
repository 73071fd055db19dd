-- record_schema_version.sql: stamp the new database file with the schema version that built it.
-- Parameters: $schema_version. Used by: queries/data/loading.py.

insert into schema_info values ($schema_version);
