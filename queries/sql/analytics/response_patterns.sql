-- response_patterns.sql: the completers grouped by their pattern of association covariates
-- and outcome (methods.md section 2: what goes with response).
-- Purpose: the input of the adjusted odds ratios: a logistic model on courses is the same
--          maximum-likelihood problem as one on the distinct covariate patterns with each
--          pattern's courses as frequency weights, so only the patterns leave the database
--          (queries/analytics/nonresponders.response_associations).
-- Grain: one row per distinct severity_class x adherence_class x rehab x lifestyle_support x
--        expectations x overtraining_reported x early_antioxidants_reported x baseline_score x
--        age_band x indication x is_responder among the completers (eligible courses with a
--        primary follow-up value, as queries/analytics/courses.completers keeps them); n is
--        its courses.
-- Parameters: $scope (scope and filters, see macros.sql), $window.
-- Cost: grouped on the columns' own types (enums, booleans), turned into text only for the
--       patterns (270,000 of 705,000 completers at 1M courses): the same rows, 0.66 -> 0.56 s.
-- Used by: Providers, My practice (through queries/analytics/nonresponders.py).

with grouped as (
    select
        severity_class,
        adherence_class,
        rehab,
        lifestyle_support,
        expectations,
        overtraining_reported,
        early_antioxidants_reported,
        baseline_score,
        age_band,
        indication,
        coalesce(is_responder, false) as is_responder,
        count(*) as n
    from scoped_outcomes($scope, $window)
    where coalesce(is_eligible, false) and coalesce(has_followup, false)
    group by all
),
final as (
    select
        severity_class::varchar as severity_class,
        adherence_class::varchar as adherence_class,
        rehab::varchar as rehab,
        lifestyle_support,
        expectations::varchar as expectations,
        overtraining_reported,
        early_antioxidants_reported,
        baseline_score,
        age_band::varchar as age_band,
        indication::varchar as indication,
        is_responder,
        n
    from grouped
)
select * from final
order by all;
