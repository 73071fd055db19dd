-- timeline_durability.sql: how long a primary-window response lasts, course by course
-- (methods.md section 5).
-- Purpose: each primary-window responder in scope with its duration as the load computed it
--          (marts/course_durability.sql: days from the follow-up day to the first later value
--          that is no longer a response, censored at the last value), for checking the
--          course-level rule; the page counts set-wise (timeline_durability_counts.sql).
-- Grain: one row per primary-window responder (in scope).
-- Parameters: $scope (scope and filters, see macros.sql), $by (whitelisted grouping key,
--             see macros.sql group_value), $window.
-- Used by: queries/analytics/durability.py durability_courses (tests).

with final as (
    select
        o.course_id,
        o.group_value,
        o.baseline_score,
        o.followup_score,
        o.followup_day,
        d.lost_day,
        d.last_value_day,
        d.is_response_lost,
        d.duration_days
    from grouped_outcomes($scope, $by, 'all', $window) as o
    join course_durability as d using (course_id)
    where o.is_responder
)
select * from final
order by course_id;
