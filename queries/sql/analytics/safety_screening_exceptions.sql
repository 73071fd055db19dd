-- safety_screening_exceptions.sql: the courses behind the screening indicator
-- (methods.md section 5).
-- Purpose: every course given without a contraindication screen ('not_screened') or with a
--          contraindication (anything but 'none'), for review.
-- Grain: one row per such course (in scope).
-- Parameters: $scope (scope and filters, see macros.sql).
-- Used by: Safety & screening page, queries/analytics/safety.py screening_exceptions.

with final as (
    select
        course_id,
        provider_id,
        contraindication::varchar as contraindication,
        n_sessions_completed,
        g6pd_tested
    from scoped_courses($scope)
    where contraindication <> 'none'
)
select * from final
order by course_id;
