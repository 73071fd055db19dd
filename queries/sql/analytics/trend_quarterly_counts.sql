-- trend_quarterly_counts.sql: responder and follow-up counts per start quarter
-- (methods.md section 4: Trend; section 1 for the counts).
-- Purpose: the n and events of the quarterly p-charts: eligible courses, eligible courses
--          with a value in the window (follow-up completeness), responders (complete case),
--          and the courses not yet due (methods.md section 1: the window had not closed by
--          the extract), which are in none of those counts (marts/course_outcomes.sql).
--          start_quarter is optional (empty under Safe Harbor): those courses come as their
--          own row with start_quarter NULL; queries/analytics/trends.py decides quarter vs
--          year.
-- Grain: one row per start_year x start_quarter (start_quarter may be NULL).
-- Parameters: $scope (scope and filters, see macros.sql), $window.
-- Used by: Trends (p-charts), queries/analytics/trends.py quarterly_pchart.

with final as (
    select
        start_year,
        start_quarter,
        count(*) as n_courses,
        count(*) filter (where is_eligible) as n_eligible,
        count(*) filter (where is_eligible and has_followup) as n_followup,
        count(*) filter (where is_responder) as n_responders,
        count(*) filter (where is_not_yet_due) as n_not_yet_due
    from scoped_outcomes($scope, $window)
    group by start_year, start_quarter
)
select * from final
order by start_year, start_quarter nulls last;
