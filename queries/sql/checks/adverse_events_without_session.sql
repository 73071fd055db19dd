-- adverse_events_without_session.sql: adverse events whose session_number names a session
-- that is not in sessions.csv for that course.
-- Grain: one row per failing event. Parameters: none. Zero rows = pass.

with final as (
    select e.course_id, e.session_number, e.event_day, e.event
    from stg_adverse_events as e
    anti join stg_sessions as s using (course_id, session_number)
    where e.session_number is not null
)
select * from final order by course_id, event_day;
