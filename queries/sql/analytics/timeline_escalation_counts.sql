-- timeline_escalation_counts.sql: courses in scope counted per group, days to escalation (or
-- to the last day seen) and whether they escalated (methods.md section 5; issue 10).
-- Purpose: the cumulative-incidence input set-wise: the durations the load computed
--          (marts/course_escalation.sql) summed per group x duration x event.
-- Grain: one row per group_value x duration_days x is_escalated.
-- Parameters: $scope (scope and filters, see macros.sql), $by (whitelisted grouping key,
--             see macros.sql group_value).
-- Used by: Timeline page (escalation by severity), queries/analytics/durability.py
--          escalation_by_severity.

with final as (
    select
        g.group_value,
        e.duration_days,
        e.is_escalated,
        count(*) as n_courses
    from grouped_courses($scope, $by, 'all') as g
    join course_escalation as e using (course_id)
    group by g.group_value, e.duration_days, e.is_escalated
)
select * from final
order by group_value, duration_days, is_escalated;
