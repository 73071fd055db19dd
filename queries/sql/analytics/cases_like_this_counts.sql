-- cases_like_this_counts.sql: the courses like one case, counted per provider (methods.md
-- sections 1 and 6; issue 3 "Cases like this").
-- Purpose: per provider, the courses matching the case ($like: indication, severity_class,
--          age_band, rehab; a NULL field = any) and their primary-window outcome, complete
--          case: eligible, eligible with follow-up, responders among those.
--          queries/analytics/cases.py adds the clinic's row (the sum) and the intervals.
-- Grain: one row per provider with at least one matching course.
-- Parameters: $scope (scope and filters, see macros.sql; the page passes the clinic's),
--             $window, $like (STRUCT indication, severity_class, age_band, rehab).
-- Used by: Cases like this page, queries/analytics/cases.py cases_like_this.

with like_courses as (
    select provider_id, is_eligible, has_followup, is_responder
    from scoped_outcomes($scope, $window)
    where is_like_case($like, indication, severity_class, age_band, rehab)
),
final as (
    select
        provider_id,
        count(*) as n_courses,
        count(*) filter (where is_eligible) as n_eligible,
        count(*) filter (where is_eligible and has_followup) as n_followup,
        count(*) filter (where is_eligible and has_followup and is_responder) as n_responders
    from like_courses
    group by provider_id
)
select * from final
order by provider_id;
