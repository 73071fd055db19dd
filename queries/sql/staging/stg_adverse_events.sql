-- stg_adverse_events.sql: the adverse_events table as the marts read it: enums cast to text
-- once, `day` named for what it is.
-- Grain: one row per adverse event. Parameters: none.
-- Created as a view by queries/data/loading.py before the marts are built; read by
-- marts/course_facts.sql and the data checks.

create or replace view stg_adverse_events as
with final as (
    select
        course_id,
        session_number,
        day as event_day,
        event::varchar as event,
        seriousness::varchar as seriousness
    from adverse_events
)
select * from final;
