-- casemix_model.sql: the unfiltered clinic's case-mix model, stored once per load
-- (methods.md section 4; issue 10): fitted (the model as JSON, queries/data/casemix_mart.py
-- model_record), or too_few (no model can be fitted: the page's sentence in message).
-- Grain: one row (the primary follow-up window's model).
-- Parameters: $window, $status, $message, $model. Run by queries/data/casemix_mart.py
--             (build_casemix_mart) from queries/data/loading.py build_marts.
-- Used by: analytics/casemix_stored_model.sql.

insert into casemix_model (window_name, status, message, model)
values ($window, $status, $message, $model);
