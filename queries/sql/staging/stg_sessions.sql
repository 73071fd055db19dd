-- stg_sessions.sql: the sessions table as the marts read it: `day` named for what it is.
-- Grain: one row per session delivered. Parameters: none.
-- Created as a view by queries/data/loading.py before the marts are built; read by
-- marts/course_facts.sql and the data checks.

create or replace view stg_sessions as
with final as (
    select
        course_id,
        session_number,
        day as session_day,
        concentration_ug_ml,
        volume_ml
    from sessions
)
select * from final;
