-- safety_serious_events.sql: every serious adverse event, as recorded (methods.md section 5).
-- Purpose: the director's list of serious events; nothing aggregated, nothing dropped.
-- Grain: one row per adverse_events row with seriousness = 'serious' (courses in scope).
-- Parameters: $scope (scope and filters, see macros.sql).
-- Used by: Safety & screening page, queries/analytics/safety.py serious_events.

with final as (
    select
        e.course_id,
        s.provider_id,
        e.session_number,
        e.day,
        e.event::varchar as event
    from adverse_events as e
    join scoped_courses($scope) as s using (course_id)
    where e.seriousness = 'serious'
)
select * from final
order by course_id, day, session_number nulls last, event;
