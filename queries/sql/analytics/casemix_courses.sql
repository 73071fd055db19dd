-- casemix_courses.sql: the courses the case-mix model is fitted on and the CUSUM reads
-- (methods.md section 4), with only the columns they use.
-- Purpose: eligible courses with a primary follow-up value (the responder denominator, as
--          queries/analytics/courses.completers keeps them), their case-mix covariates, the
--          keys that put a provider's courses in start order, and the outcome; fewer columns
--          than course_factors.sql, so that a million courses cost little to fetch.
-- Grain: one row per course.
-- Parameters: $scope (scope and filters, see macros.sql), $window.
-- Used by: Providers, My practice and the providers command (through
--          queries/analytics/casemix_courses.py).

with final as (
    select
        course_id,
        provider_id,
        start_year,
        start_quarter,
        observed_days,
        severity_class::varchar as severity_class,
        baseline_score,
        age_band::varchar as age_band,
        sex::varchar as sex,
        indication::varchar as indication,
        route::varchar as route,
        symptom_months,
        is_responder
    from scoped_outcomes($scope, $window)
    where coalesce(is_eligible, false) and coalesce(has_followup, false)
)
select * from final
order by course_id;
