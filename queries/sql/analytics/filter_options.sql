-- filter_options.sql: the values the sidebar filters can take, from the loaded data.
-- Purpose: the distinct start years, sites, indications and routes of the scope's courses,
--          read from the few rows of marts/scope_summaries.sql (issue 10: every page draws
--          the sidebar; reading every course for it cost 0.2 s at a million).
-- Grain: one row per filter x value.
-- Parameters: $scope (the STRUCT of macros.sql, with no filters: a provider sees the values
--             of their own courses only).
-- Used by: the dashboard sidebar.

with final as (
    select distinct filter_name, value
    from scope_filter_values
    where $scope['provider_id']::varchar is null
       or provider_id = $scope['provider_id']::varchar
)
select * from final
order by filter_name, value;
