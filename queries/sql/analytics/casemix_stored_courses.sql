-- casemix_stored_courses.sql: the unfiltered clinic's completers with the load's case-mix
-- probability (marts/course_casemix.sql, course_casemix_p.sql), in start order: the columns
-- of analytics/casemix_courses.sql and p_response, as the page-time fit returns them.
-- Grain: one row per eligible course with a primary follow-up value. Parameters: none
--        (the whole clinic, no filter: what the load fitted).
-- Used by: queries/data/casemix_mart.py (stored_casemix).

select * exclude (fit_row, start_rank)
from course_casemix
order by start_rank;
