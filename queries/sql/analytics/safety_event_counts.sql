-- safety_event_counts.sql: adverse events and their exposure per group (methods.md section 5).
-- Purpose: the numerators and denominators of "events per 100 sessions" (all and serious)
--          and "courses with any event": courses, sessions delivered, events, serious
--          events, courses with an event, courses with a serious event. SQL counts;
--          queries/stats/intervals.py computes the exact Poisson and Wilson intervals.
-- Grain: one row per group_value.
-- Parameters: $scope (scope and filters, see macros.sql), $by (whitelisted grouping key,
--             see macros.sql group_value).
-- Used by: Safety & screening page, queries/analytics/safety.py adverse_event_rates.

with final as (
    select
        group_value,
        count(*) as n_courses,
        coalesce(sum(n_sessions_completed), 0) as n_sessions,
        coalesce(sum(n_adverse_events), 0) as n_events,
        coalesce(sum(n_serious_adverse_events), 0) as n_serious_events,
        count(*) filter (where n_adverse_events > 0) as n_courses_with_event,
        count(*) filter (where n_serious_adverse_events > 0) as n_courses_with_serious_event
    from grouped_courses($scope, $by, 'all')
    group by group_value
)
select * from final
order by group_value;
