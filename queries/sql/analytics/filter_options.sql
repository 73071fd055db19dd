-- filter_options.sql: the values the sidebar filters can take, from the loaded data.
-- Grain: one row per filter x value.
-- Parameters: $scope (the STRUCT of macros.sql, with no filters: a provider sees the values
--             of their own courses only).
-- Used by: the dashboard sidebar.

with scoped as (
    select *
    from scoped_courses($scope)
),
final as (
    select distinct 'start_year' as filter_name, start_year::varchar as value from scoped
    union all
    select distinct 'site', site_id from scoped
    union all
    select distinct 'indication', indication::varchar from scoped
    union all
    select distinct 'route', route::varchar from scoped
)
select * from final
order by filter_name, value;
