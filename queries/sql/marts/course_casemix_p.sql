-- course_casemix_p.sql: each stored completer's case-mix probability and start rank, once the
-- load has fitted the model (methods.md section 4; issue 10).
-- Purpose: p_response and start_rank (1..n in start order: year, quarter, observed_days from
--          the most, course_id; missing last), computed by queries/data/casemix_mart.py and
--          registered on the loader's connection as casemix_p (fit_row, p_response,
--          start_rank), written beside the rows of marts/course_casemix.sql.
-- Parameters: none. Run by queries/data/casemix_mart.py (build_casemix_mart).

update course_casemix
set p_response = p.p_response, start_rank = p.start_rank
from casemix_p as p
where p.fit_row = course_casemix.fit_row;
