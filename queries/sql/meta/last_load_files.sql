-- last_load_files.sql: the files (name, hash) of the most recent load, to recognise an
-- extract that is loaded twice (which then changes nothing).
-- Grain: one row per file of the latest load. Parameters: none. Used by: queries/data/loading.py.

with latest as (
    select max(load_id) as load_id from load_history
),
final as (
    select f.file_name, f.sha256
    from load_files as f
    join latest using (load_id)
)
select * from final order by file_name;
