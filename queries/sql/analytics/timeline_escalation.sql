-- timeline_escalation.sql: time to escalation (surgery or other invasive care), course by
-- course (methods.md section 5: escalation within 12 months).
-- Purpose: each course in scope with the duration and event the load computed
--          (marts/course_escalation.sql: escalated_day, else censored at the last day seen),
--          for checking the course-level rule; the page counts set-wise
--          (timeline_escalation_counts.sql).
-- Grain: one row per course (in scope).
-- Parameters: $scope (scope and filters, see macros.sql), $by (whitelisted grouping key,
--             see macros.sql group_value).
-- Used by: queries/analytics/durability.py escalation_courses (tests).

with final as (
    select
        g.course_id,
        g.group_value,
        e.escalated_day,
        e.last_assessment_day,
        e.last_session_day,
        e.last_observed_day,
        e.is_escalated,
        e.duration_days
    from grouped_courses($scope, $by, 'all') as g
    join course_escalation as e using (course_id)
)
select * from final
order by course_id;
