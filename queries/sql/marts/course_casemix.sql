-- course_casemix.sql: the unfiltered clinic's completers for the load's case-mix fit
-- (methods.md section 4; issue 10), written once; their p and start rank follow the fit
-- (marts/course_casemix_p.sql).
-- Purpose: the rows and columns of analytics/casemix_courses.sql for the whole clinic with
--          no filter (the same macro, macros.sql casemix_completers; tests/test_casemix_mart.py
--          checks that what the load stores is what the page-time fit returns), with fit_row,
--          their rank in course_id order (the order the model is fitted in, as at page
--          time). Only the covariates, the outcome and the start keys go to Python
--          (marts/casemix_fit_rows.sql); the text columns are written once, here.
-- Grain: one row per eligible course with a primary follow-up value.
-- Parameters: $scope (the whole clinic, no filter), $window (Settings.primary_window).
-- Run by queries/data/casemix_mart.py (build_casemix_mart) from queries/data/loading.py
-- build_marts. Used by: analytics/casemix_stored_courses.sql (Providers, My practice, the
-- CUSUM).

insert into course_casemix by name
with final as (
    select row_number() over (order by course_id) as fit_row, *
    from casemix_completers($scope, $window)
)
select * from final;
