-- timeline_durability_counts.sql: primary-window responders in scope counted per group,
-- duration and whether the response was lost (methods.md section 5: durability; issue 10).
-- Purpose: the Kaplan-Meier input set-wise: the durations the load computed
--          (marts/course_durability.sql) summed per group x duration x event, so a few
--          hundred rows reach queries/stats/survival.py whatever the clinic's size.
-- Grain: one row per group_value x duration_days x is_response_lost.
-- Parameters: $scope (scope and filters, see macros.sql), $by (whitelisted grouping key,
--             see macros.sql group_value).
-- Used by: Timeline page (durability), queries/analytics/durability.py durability_km.

with final as (
    select
        g.group_value,
        d.duration_days,
        d.is_response_lost,
        count(*) as n_courses
    from grouped_courses($scope, $by, 'all') as g
    join course_durability as d using (course_id)
    group by g.group_value, d.duration_days, d.is_response_lost
)
select * from final
order by group_value, duration_days, is_response_lost;
