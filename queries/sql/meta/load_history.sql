-- load_history.sql: every load into this database, newest first, with its files.
-- Grain: one row per load x file.
-- Parameters: none. Used by: the Data page (queries/analytics/checks.py).

with final as (
    select
        h.load_id, h.loaded_at, h.source_folder, h.source_format, h.is_synthetic,
        h.n_courses_in_extract, h.n_courses_replaced, h.n_courses_added, h.n_courses_after,
        h.responder_definition, f.file_name, f.n_rows, f.sha256
    from load_history as h
    join load_files as f using (load_id)
)
select * from final
order by load_id desc, file_name;
