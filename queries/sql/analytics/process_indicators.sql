-- process_indicators.sql: what a provider's process looks like (methods.md sections 1, 4, 5).
-- Purpose: sessions completed vs planned, rehab pairing, follow-up completeness, screening
--          documented, G6PD testing and baseline pain per group: counts and sums only.
-- Grain: one row per group_value.
-- Parameters: $scope (scope and filters, see macros.sql), $by ('provider' or 'all'),
--             $window.
-- Used by: Providers (case mix and process), My practice.

with final as (
    select
        group_value,
        count(*) as n_courses,
        sum(n_sessions_completed) as n_sessions_completed,
        sum(planned_sessions) as n_sessions_planned,
        count(*) filter (where n_sessions_completed >= planned_sessions) as n_full_protocol,
        count(*) filter (where rehab <> 'none') as n_rehab_paired,
        count(*) filter (where is_eligible) as n_eligible,
        count(*) filter (where is_eligible and has_followup) as n_followup,
        count(*) filter (where contraindication <> 'not_screened') as n_screening_documented,
        count(g6pd_tested) as n_g6pd_known,
        count(*) filter (where g6pd_tested) as n_g6pd_tested,
        count(baseline_score) as n_with_baseline,
        avg(baseline_score) as mean_baseline_score,
        stddev_samp(baseline_score) as sd_baseline_score
    from grouped_outcomes($scope, $by, 'all', $window)
    group by group_value
)
select * from final
order by group_value;
