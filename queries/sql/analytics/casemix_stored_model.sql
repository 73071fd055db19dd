-- casemix_stored_model.sql: the case-mix model the load fitted on the unfiltered clinic in a
-- follow-up window (marts/casemix_model.sql), if any.
-- Grain: at most one row. Parameters: $window (Settings.primary_window).
-- Used by: queries/data/casemix_mart.py (stored_casemix), for Providers, My practice and the
--          CUSUM with no filter (queries/analytics/casemix_courses.py).

select status, message, model
from casemix_model
where window_name = $window;
