-- has_schema_info.sql: whether this database file records its schema version (files built
-- before versioning do not). Grain: one row. Parameters: none. Used by: queries/data/db.py.

with final as (
    select count(*) > 0 as has_schema_info
    from duckdb_tables()
    where table_name = 'schema_info' and schema_name = 'main'
)
select * from final;
