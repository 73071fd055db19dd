-- case_mix_counts.sql: how a group's courses are spread over each case-mix factor.
-- Purpose: severity, indication, route, age band and sex distributions of each provider (or
--          of the whole scope), for "my case mix beside the clinic's" (methods.md section 4).
-- Grain: one row per group_value x factor x level.
-- Parameters: $scope (scope and filters, see macros.sql), $by ('provider' or 'all', a
--             whitelisted grouping key of macros.sql group_value).
-- Cost: the courses are grouped by their five levels first and each pattern, not each
--       course, is unpivoted with its courses summed: the same counts (1M: 0.25 -> 0.13 s).
-- Used by: Providers (case mix), My practice.

with grouped as (
    select
        group_value,
        severity_class::varchar as severity_class,
        indication::varchar as indication,
        route::varchar as route,
        age_band::varchar as age_band,
        sex::varchar as sex,
        n
    from (
        select group_value, severity_class, indication, route, age_band, sex, count(*) as n
        from grouped_courses($scope, $by, 'all')
        group by all
    )
),
long as (
    unpivot grouped
    on severity_class, indication, route, age_band, sex
    into name factor value level
),
final as (
    select group_value, factor, level, sum(n)::bigint as n_courses
    from long
    group by group_value, factor, level
)
select * from final
order by group_value, factor, level;
