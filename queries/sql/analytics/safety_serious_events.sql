-- safety_serious_events.sql: every serious adverse event, as recorded (methods.md section 5).
-- Purpose: the director's list of serious events; nothing aggregated, nothing dropped.
-- Grain: one row per adverse_events row with seriousness = 'serious' (courses in scope).
-- Parameters: $scope_provider_id, $year_min, $year_max, $site_ids, $indication_ids,
--             $route_ids (scope and filters, see macros.sql).
-- Used by: Safety & screening page, queries/timeline.py serious_events.

with scoped as (
    select *
    from scoped_courses($scope_provider_id, $year_min, $year_max, $site_ids,
                        $indication_ids, $route_ids)
),
final as (
    select
        e.course_id,
        s.provider_id,
        e.session_number,
        e.day,
        e.event::varchar as event
    from adverse_events as e
    join scoped as s using (course_id)
    where e.seriousness = 'serious'
)
select * from final
order by course_id, day, session_number nulls last, event;
