-- schema_version.sql: the schema version that built this database file.
-- Grain: one row. Parameters: none. Run only when schema_info exists (has_schema_info.sql).
-- Used by: queries/data/db.py schema_version.

with final as (
    select max(schema_version) as schema_version from schema_info
)
select * from final;
