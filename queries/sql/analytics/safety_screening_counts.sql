-- safety_screening_counts.sql: screening as a quality indicator (methods.md section 5).
-- Purpose: courses, courses given without a contraindication screen ('not_screened'),
--          courses with a contraindication (anything but 'none' and 'not_screened'), and
--          G6PD testing (tested / known not tested / unknown). SQL counts; Wilson intervals
--          in Python.
-- Grain: one row for the whole scope.
-- Parameters: $scope (scope and filters, see macros.sql).
-- Used by: Safety & screening page, queries/analytics/safety.py screening_summary.

with final as (
    select
        count(*) as n_courses,
        count(*) filter (where contraindication = 'not_screened') as n_not_screened,
        count(*) filter (where contraindication not in ('none', 'not_screened'))
            as n_contraindicated,
        count(*) filter (where g6pd_tested) as n_g6pd_tested,
        count(*) filter (where not g6pd_tested) as n_g6pd_not_tested,
        count(*) filter (where g6pd_tested is null) as n_g6pd_unknown
    from scoped_courses($scope)
)
select * from final;
