-- trend_quarterly_counts.sql: responder and follow-up counts per start quarter
-- (methods.md section 4: Trend; section 1 for the counts).
-- Purpose: the n and events of the quarterly p-charts: eligible courses, eligible courses
--          with a value in the window (follow-up completeness), responders (complete case).
--          start_quarter is optional (empty under Safe Harbor): those courses come as their
--          own row with start_quarter NULL; queries/timeline.py decides quarter vs year.
-- Grain: one row per start_year x start_quarter (start_quarter may be NULL).
-- Parameters: $window, $scope_provider_id, $year_min, $year_max, $site_ids,
--             $indication_ids, $route_ids (scope and filters, see macros.sql).
-- Used by: Trends (p-charts), queries/timeline.py quarterly_pchart.

with scoped as (
    select *
    from scoped_courses($scope_provider_id, $year_min, $year_max, $site_ids,
                        $indication_ids, $route_ids)
),
outcomes as (
    select s.start_year, s.start_quarter, o.*
    from scoped as s
    join course_outcomes as o
        on o.course_id = s.course_id and o.window_name = $window
),
final as (
    select
        start_year,
        start_quarter,
        count(*) as n_courses,
        count(*) filter (where is_eligible) as n_eligible,
        count(*) filter (where is_eligible and has_followup) as n_followup,
        count(*) filter (where is_responder) as n_responders
    from outcomes
    group by start_year, start_quarter
)
select * from final
order by start_year, start_quarter nulls last;
