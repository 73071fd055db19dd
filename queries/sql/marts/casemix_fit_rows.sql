-- casemix_fit_rows.sql: what the load's case-mix fit reads of marts/course_casemix.sql: the
-- covariates (categorical ones as enums: codes reach pandas), the outcome and the start keys,
-- in course_id order (fit_row), as analytics/casemix_courses.sql gives them to the page-time
-- fit.
-- Grain: one row per eligible course with a primary follow-up value. Parameters: none.
-- Used by: queries/data/casemix_mart.py (build_casemix_mart).

select
    start_year,
    start_quarter,
    observed_days,
    severity_class,
    baseline_score,
    age_band,
    sex,
    indication,
    route,
    symptom_months,
    is_responder
from course_casemix
order by fit_row;
