-- timeline_escalation.sql: time to escalation (surgery or other invasive care), per course
-- (methods.md section 5: escalation within 12 months).
-- Purpose: duration and event for a cumulative incidence (1 - Kaplan-Meier) by group:
--          escalated courses at escalated_day (never negative: the loader refuses a
--          negative one, data-contract.md), the others censored at the last day they were
--          seen (last assessment of any instrument or last session, floored at 0). queries/stats/survival.py cumulative_incidence_by does the inference.
-- Grain: one row per course (in scope).
-- Parameters: $scope (scope and filters, see macros.sql), $by (whitelisted grouping key,
--             see macros.sql group_value).
-- Used by: Timeline page (escalation by severity), queries/analytics/durability.py
--          escalation_courses, escalation_by_severity.

with scoped as (
    select *
    from grouped_courses($scope, $by, 'all')
),
last_assessment as (
    select a.course_id, max(a.day) as last_assessment_day
    from assessments as a
    join scoped as s using (course_id)
    group by a.course_id
),
observed as (
    select
        s.course_id,
        s.group_value,
        s.escalated_day,
        l.last_assessment_day,
        s.last_session_day,
        greatest(coalesce(l.last_assessment_day, 0), coalesce(s.last_session_day, 0), 0)
            as last_observed_day
    from scoped as s
    left join last_assessment as l using (course_id)
),
final as (
    select
        *,
        escalated_day is not null as is_escalated,
        coalesce(escalated_day, last_observed_day) as duration_days
    from observed
)
select * from final
order by course_id;
