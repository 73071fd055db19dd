-- clinic_overview.sql: the Overview's counts of the unfiltered clinic, stored at load.
-- Purpose: the counts of course_totals.sql and of responder_counts.sql by 'all' for the whole
--          clinic, read from the one row of marts/scope_summaries.sql instead of every course
--          (issue 10). Only for the scope of the whole clinic with no sidebar filter: a
--          provider's scope, or any filter, returns no row, and the caller
--          (queries/analytics/rates.py overview) counts that view's courses instead.
-- Grain: at most one row.
-- Parameters: $scope (scope and filters, see macros.sql), $window (follow-up window name:
--             only the primary window of the load is stored).
-- Used by: Overview, Timeline, Safety, Patterns (rates.py overview, n_not_yet_due).

with final as (
    select * exclude (window_name)
    from clinic_overview
    where window_name = $window
      and $scope['provider_id']::varchar is null
      and $scope['year_min']::integer is null
      and $scope['year_max']::integer is null
      and $scope['site_ids']::varchar[] is null
      and $scope['indications']::varchar[] is null
      and $scope['routes']::varchar[] is null
)
select * from final;
