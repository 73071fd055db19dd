-- scope_summaries.sql: what every page shows of an unfiltered view, computed once per load.
-- Purpose: issue 10: every page view paid the Overview's counts and the sidebar's filter
--          values over all the courses (1.2 s at a million); they do not depend on the
--          viewer's filters, so they are counted here and read back as a few rows.
--          clinic_overview: the counts of Overview for the whole clinic at the primary
--          follow-up window: those of analytics/course_totals.sql (courses, distinct
--          patients, sessions delivered, adverse events, serious ones) and the one-group
--          counts of analytics/responder_counts.sql, by the same definitions (methods.md
--          sections 1 and 5). The outcome counts read course_outcomes alone: it holds one
--          row per course of courses and window, so the join of responder_counts.sql keeps
--          every row, and skipping it halves the cost (tests/test_page_costs.py checks
--          every count against those two queries). A provider's Overview, or a filtered
--          one, is counted from its courses (0.17 s at a million, against 0.4 s for the
--          whole clinic).
--          scope_filter_values: per provider x sidebar filter, the values its courses take
--          (analytics/filter_options.sql; the clinic's values are all providers' values).
-- Grain: clinic_overview one row; scope_filter_values one row per provider x filter x
--        value.
-- Parameters: $primary_window (Settings.primary_window, stored as window_name: a page that
--             asks for another window counts it from the courses).
--             Reads every course as the pages do (macros.sql scoped_courses with no
--             restriction) and course_outcomes; run by queries/data/loading.py after
--             course_facts and course_outcomes are built. Read only through
--             analytics/clinic_overview.sql and analytics/filter_options.sql, which take the
--             $scope of macros.sql.

insert into clinic_overview by name
with every_course as (
    select *
    from scoped_courses({
        'provider_id': null::varchar, 'year_min': null::integer, 'year_max': null::integer,
        'site_ids': null::varchar[], 'indications': null::varchar[], 'routes': null::varchar[]
    })
),
totals as (
    select
        count(*) as n_courses,
        count(distinct patient_id) as n_patients,
        coalesce(sum(n_sessions_completed), 0) as n_sessions,
        coalesce(sum(n_adverse_events), 0) as n_adverse_events,
        coalesce(sum(n_serious_adverse_events), 0) as n_serious_adverse_events
    from every_course
),
outcomes as (
    select
        count(*) filter (where not is_not_yet_due and not has_baseline) as n_no_baseline,
        count(*) filter (
            where not is_not_yet_due and has_baseline and not is_eligible
        ) as n_low_baseline,
        count(*) filter (where is_eligible) as n_eligible,
        count(*) filter (where is_eligible and has_followup) as n_followup,
        count(*) filter (where is_responder) as n_responders,
        count(*) filter (where is_substantial_responder) as n_substantial_responders,
        count(*) filter (where is_not_yet_due) as n_not_yet_due
    from course_outcomes
    where window_name = $primary_window
),
final as (
    select $primary_window as window_name, t.*, o.*
    from totals as t
    cross join outcomes as o
)
select * from final;

insert into scope_filter_values by name
with every_course as (
    select *
    from scoped_courses({
        'provider_id': null::varchar, 'year_min': null::integer, 'year_max': null::integer,
        'site_ids': null::varchar[], 'indications': null::varchar[], 'routes': null::varchar[]
    })
),
grouped as (
    select
        provider_id, start_year, site_id, indication, route,
        case
            when grouping(start_year) = 0 then 'start_year'
            when grouping(site_id) = 0 then 'site'
            when grouping(indication) = 0 then 'indication'
            else 'route'
        end as filter_name
    from every_course
    group by grouping sets (
        (provider_id, start_year), (provider_id, site_id), (provider_id, indication),
        (provider_id, route)
    )
),
final as (
    select
        provider_id,
        filter_name,
        case filter_name
            when 'start_year' then start_year::varchar
            when 'site' then site_id
            when 'indication' then indication::varchar
            else route::varchar
        end as value
    from grouped
)
select * from final;
