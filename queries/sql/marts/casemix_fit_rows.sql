-- casemix_fit_rows.sql: what the load's case-mix fit reads of marts/course_casemix.sql: the
-- covariates (categorical ones as enums: codes reach pandas), the outcome and the start keys,
-- in course_id order (fit_row), as analytics/casemix_courses.sql gives them to the page-time
-- fit.
-- Grain: one row per eligible course with a primary follow-up value. Parameters: none.
-- Used by: queries/data/casemix_mart.py (build_casemix_mart).

select * exclude (fit_row, start_rank, course_id, provider_id, p_response)
from course_casemix
order by fit_row;
