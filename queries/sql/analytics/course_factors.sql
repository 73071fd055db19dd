-- course_factors.sql: every course in scope with the factors the provider analyses use and its
-- primary-window outcome (methods.md sections 1, 2 and 4).
-- Purpose: input of the case-mix model (indirect standardisation), the non-responder profile
--          and the association model; course-level rows never leave the core unaggregated.
-- Grain: one row per course.
-- Parameters: $scope (scope and filters, see macros.sql), $window.
-- Used by: Providers, My practice, Cases like this (through queries/analytics/courses.py);
--          start_quarter and observed_days put a provider's courses in order for the
--          CUSUM (queries/analytics/monitoring.py).

with final as (
    select
        course_id,
        provider_id,
        site_id,
        start_year,
        start_quarter,
        observed_days,
        age_band::varchar as age_band,
        sex::varchar as sex,
        indication::varchar as indication,
        route::varchar as route,
        severity_class::varchar as severity_class,
        adherence_class::varchar as adherence_class,
        rehab::varchar as rehab,
        lifestyle_support,
        expectations::varchar as expectations,
        overtraining_reported,
        early_antioxidants_reported,
        symptom_months,
        planned_sessions,
        n_sessions_completed,
        contraindication::varchar as contraindication,
        is_early_flare,
        is_quit_after_flare,
        baseline_score,
        followup_score,
        is_eligible,
        has_followup,
        is_responder
    from scoped_outcomes($scope, $window)
)
select * from final
order by course_id;
