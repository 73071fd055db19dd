-- course_factors.sql: every course in scope with the factors the provider analyses use and its
-- primary-window outcome (methods.md sections 1, 2 and 4).
-- Purpose: the course-level reference the set-wise queries are checked against (issue 10):
--          nonresponder_levels.sql, response_patterns.sql (non-responder profile, association
--          model), casemix_courses.sql (case-mix model) and the timeline's trajectory; the
--          pages read those, never these rows, which never leave the core unaggregated.
-- Grain: one row per course.
-- Parameters: $scope (scope and filters, see macros.sql), $window.
-- Used by: the tests (tests/test_nonresponders_patterns.py, test_providers.py,
--          test_timeline_setwise.py) through queries/analytics/courses.py.

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
