-- overview_counts.sql: the clinic-level (or provider-level) headline counts for Overview.
-- Purpose: courses, sessions delivered, adverse events (all and serious), eligible,
--          follow-up, responders (complete-case and ITT numerators), substantial responders.
-- Grain: one row for the whole scope.
-- Parameters: $window, $scope_provider_id, $year_min, $year_max, $site_ids,
--             $indication_ids, $route_ids.
-- Used by: Overview.

with scoped as (
    select *
    from scoped_courses($scope_provider_id, $year_min, $year_max, $site_ids,
                        $indication_ids, $route_ids)
),
outcomes as (
    select o.*
    from scoped as s
    join course_outcomes as o
        on o.course_id = s.course_id and o.window_name = $window
),
course_totals as (
    select
        count(*) as n_courses,
        count(distinct patient_id) as n_patients,
        coalesce(sum(sessions_completed), 0) as n_sessions,
        coalesce(sum(n_adverse_events), 0) as n_adverse_events,
        coalesce(sum(n_serious_adverse_events), 0) as n_serious_adverse_events
    from scoped
),
outcome_totals as (
    select
        count(*) filter (where not has_baseline) as n_no_baseline,
        count(*) filter (where has_baseline and not is_eligible) as n_low_baseline,
        count(*) filter (where is_eligible) as n_eligible,
        count(*) filter (where is_eligible and has_followup) as n_followup,
        count(*) filter (where is_responder) as n_responders,
        count(*) filter (where is_substantial_responder) as n_substantial_responders
    from outcomes
),
final as (
    select * from course_totals cross join outcome_totals
)
select * from final;
