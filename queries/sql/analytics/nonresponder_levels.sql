-- nonresponder_levels.sql: how many non-responders and responders have each level of each
-- profile factor, and the mean and variance of the baseline score in each group (methods.md
-- section 2: the non-responder profile).
-- Purpose: everything the standardised differences need (a level's share in each group; a
--          numeric factor's mean and sample variance in each group), counted in SQL so that
--          no course row leaves the database; queries/stats/associations.py computes the
--          differences from these counts.
-- Grain: one row per factor x level x is_responder among the completers (eligible courses
--        with a primary follow-up value, as queries/analytics/courses.completers keeps
--        them); a boolean level is 'true' or 'false', a missing one NULL; the numeric
--        factor (baseline_score) has level NULL, n its courses with a value, and mean and
--        var_samp of that value.
-- Parameters: $scope (scope and filters, see macros.sql), $window.
-- Cost: the completers are first grouped by their pattern of the ten factors (117,000
--       patterns of 705,000 completers at 1M courses), and each pattern, not each course, is
--       unnested into its ten factor levels with its courses summed: the same counts (at 1M:
--       0.56 -> 0.39 s).
-- Used by: Providers, My practice (queries/analytics/nonresponders.nonresponder_profile).

with completers as (
    select
        severity_class,
        adherence_class,
        rehab,
        lifestyle_support,
        expectations,
        overtraining_reported,
        early_antioxidants_reported,
        is_quit_after_flare,
        age_band,
        indication,
        baseline_score::double as baseline_score,
        coalesce(is_responder, false) as is_responder
    from scoped_outcomes($scope, $window)
    where coalesce(is_eligible, false) and coalesce(has_followup, false)
),
patterns as (
    -- grouped on the enums (cheaper than text), the ten factors cast to text afterwards
    select columns(* exclude (is_responder, n))::varchar, is_responder, n
    from (
        select * exclude (baseline_score), count(*) as n
        from completers
        group by all
    )
),
levels as (
    select
        unnest([
            {'factor': 'severity_class', 'level': severity_class},
            {'factor': 'adherence_class', 'level': adherence_class},
            {'factor': 'rehab', 'level': rehab},
            {'factor': 'lifestyle_support', 'level': lifestyle_support},
            {'factor': 'expectations', 'level': expectations},
            {'factor': 'overtraining_reported', 'level': overtraining_reported},
            {'factor': 'early_antioxidants_reported', 'level': early_antioxidants_reported},
            {'factor': 'is_quit_after_flare', 'level': is_quit_after_flare},
            {'factor': 'age_band', 'level': age_band},
            {'factor': 'indication', 'level': indication}
        ], recursive := true),
        is_responder,
        n
    from patterns
),
final as (
    select
        factor,
        level,
        is_responder,
        sum(n)::bigint as n,
        null::double as mean,
        null::double as var_samp
    from levels
    group by factor, level, is_responder
    union all
    select
        'baseline_score' as factor,
        null::varchar as level,
        is_responder,
        count(baseline_score) as n,
        avg(baseline_score) as mean,
        var_samp(baseline_score) as var_samp
    from completers
    group by is_responder
)
select * from final
order by factor, level, is_responder;
