-- macros.sql: the one place scope and filters are applied. Every analytics query reads its
-- courses through scoped_courses(...), so a provider's scope (a bound parameter) cannot be
-- forgotten by a page (methods.md section 6: scope is enforced in the query layer).
-- Grain: one row per course (courses joined to its derived course_facts).
-- Parameters (passed by each query as bound $parameters):
--   scope_provider_id  NULL = whole clinic, else only that provider's courses
--   year_min, year_max start_year bounds, NULL = open
--   site_ids, indication_ids, route_ids  lists of allowed values, NULL = all
-- Used by: every file in sql/analytics/ (through grouped_courses where it counts per group).

create or replace macro scoped_courses(scope_provider_id, year_min, year_max, site_ids,
                                       indication_ids, route_ids) as table
    with joined as (
        select c.*, f.* exclude (course_id)
        from courses as c
        join course_facts as f using (course_id)
    ),
    final as (
        select *
        from joined
        where (scope_provider_id is null or provider_id = scope_provider_id)
          and (year_min is null or start_year >= year_min)
          and (year_max is null or start_year <= year_max)
          and (site_ids is null or list_contains(site_ids, site_id))
          and (indication_ids is null or list_contains(indication_ids, indication::varchar))
          and (route_ids is null or list_contains(route_ids, route::varchar))
    )
    select * from final;

-- group_value(by, ...): the grouping column named by a whitelisted key (never an identifier
-- from user text): the key is a bound parameter compared with literals.
create or replace macro group_value(by_key, severity_class, adherence_class, rehab,
                                    provider_id, indication, route, site_id, age_band, sex,
                                    lifestyle_support, expectations, start_year) as
    case by_key
        when 'severity' then severity_class::varchar
        when 'adherence' then adherence_class::varchar
        when 'rehab' then rehab::varchar
        when 'provider' then provider_id
        when 'indication' then indication::varchar
        when 'route' then route::varchar
        when 'site' then site_id
        when 'age_band' then age_band::varchar
        when 'sex' then sex::varchar
        when 'lifestyle' then case when lifestyle_support then 'lifestyle_support' else 'no_lifestyle_support' end
        when 'expectations' then expectations::varchar
        when 'start_year' then start_year::varchar
        when 'all' then 'all'
    end;

-- grouped_courses(by_key, by_key_2, ...): scoped_courses with the two grouping columns
-- group_value and group_value_2 chosen by whitelisted keys ('all' = one group). Used by every
-- query that counts per group.
create or replace macro grouped_courses(by_key, by_key_2, scope_provider_id, year_min, year_max,
                                        site_ids, indication_ids, route_ids) as table
    with scoped as (
        select *
        from scoped_courses(scope_provider_id, year_min, year_max, site_ids, indication_ids,
                            route_ids)
    ),
    final as (
        select
            group_value(by_key, severity_class, adherence_class, rehab, provider_id,
                        indication, route, site_id, age_band, sex, lifestyle_support,
                        expectations, start_year) as group_value,
            group_value(by_key_2, severity_class, adherence_class, rehab, provider_id,
                        indication, route, site_id, age_band, sex, lifestyle_support,
                        expectations, start_year) as group_value_2,
            *
        from scoped
    )
    select * from final;
