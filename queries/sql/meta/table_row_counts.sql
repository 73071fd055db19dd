-- table_row_counts.sql: how many rows each contract table holds now.
-- Grain: one row per table. Parameters: none. Used by: the Data page (queries/analytics/checks.py).

with final as (
    select 'courses' as table_name, count(*) as n_rows from courses
    union all select 'sessions', count(*) from sessions
    union all select 'assessments', count(*) from assessments
    union all select 'adverse_events', count(*) from adverse_events
)
select * from final;
