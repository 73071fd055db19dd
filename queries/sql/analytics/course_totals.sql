-- course_totals.sql: the courses of a scope and what was given to them, for Overview.
-- Purpose: courses, patients, sessions delivered, adverse events (all and serious); the
--          outcome counts of Overview come from responder_counts.sql (by 'all').
-- Grain: one row for the whole scope.
-- Parameters: $scope (scope and filters, see macros.sql).
-- Used by: Overview (queries/analytics/rates.py overview).

with final as (
    select
        count(*) as n_courses,
        count(distinct patient_id) as n_patients,
        coalesce(sum(n_sessions_completed), 0) as n_sessions,
        coalesce(sum(n_adverse_events), 0) as n_adverse_events,
        coalesce(sum(n_serious_adverse_events), 0) as n_serious_adverse_events
    from scoped_courses($scope)
)
select * from final;
