-- course_factors.sql: every course in scope with the factors the provider analyses use and its
-- primary-window outcome (methods.md sections 1, 2 and 4).
-- Purpose: input of the case-mix model (indirect standardisation), the non-responder profile
--          and the association model; course-level rows never leave the core unaggregated.
-- Grain: one row per course.
-- Parameters: $window, $scope_provider_id, $year_min, $year_max, $site_ids,
--             $indication_ids, $route_ids.
-- Used by: Providers, My practice, Cases like this (through queries/providers.py).

with scoped as (
    select *
    from scoped_courses($scope_provider_id, $year_min, $year_max, $site_ids,
                        $indication_ids, $route_ids)
),
final as (
    select
        s.course_id,
        s.provider_id,
        s.site_id,
        s.start_year,
        s.age_band::varchar as age_band,
        s.sex::varchar as sex,
        s.indication::varchar as indication,
        s.route::varchar as route,
        s.severity_class::varchar as severity_class,
        s.adherence_class::varchar as adherence_class,
        s.rehab::varchar as rehab,
        s.lifestyle_support,
        s.expectations::varchar as expectations,
        s.overtraining_reported,
        s.early_antioxidants_reported,
        s.symptom_months,
        s.planned_sessions,
        s.sessions_completed,
        s.contraindication::varchar as contraindication,
        s.is_early_flare,
        s.quit_after_flare,
        o.baseline_score,
        o.followup_score,
        o.is_eligible,
        o.has_followup,
        o.is_responder
    from scoped as s
    join course_outcomes as o
        on o.course_id = s.course_id and o.window_name = $window
)
select * from final
order by course_id;
