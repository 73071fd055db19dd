-- casemix_courses.sql: the courses the case-mix model is fitted on and the CUSUM reads
-- (methods.md section 4), with only the columns they use.
-- Purpose: eligible courses with a primary follow-up value (the responder denominator, as
--          queries/analytics/courses.completers keeps them), their case-mix covariates (the
--          categorical ones as their enums: codes, not text, reach pandas), the keys that put
--          a provider's courses in start order (queries/data/casemix_mart.py start_order),
--          and the outcome; fewer columns than course_factors.sql, so that a million courses
--          cost little to fetch. In course_id order: the order the model is fitted in (and
--          the last key of the start order).
-- Grain: one row per course.
-- Parameters: $scope (scope and filters, see macros.sql), $window.
-- Used by: Providers, My practice and the providers command with filters (through
--          queries/analytics/casemix_courses.py); the load fits the unfiltered clinic once on
--          the same rows (marts/course_casemix.sql): both read macros.sql casemix_completers.

with final as (
    select *
    from casemix_completers($scope, $window)
)
select * from final
order by course_id;
