-- macros.sql: the one place scope and filters are applied. Every analytics query reads its
-- courses through scoped_courses($scope), so a provider's scope (a bound parameter) cannot be
-- forgotten by a page (methods.md section 6: scope is enforced in the query layer).
-- Grain: one row per course: courses beside its derived course_facts, paired by position
-- (marts/course_facts.sql stores them in the order of courses and checks it at load), so no
-- join on course_id is paid on a page view (issue 10: a third of a second at a million).
-- Parameters: one bound STRUCT, $scope, built by queries.core.scope.scope_struct:
--   provider_id         NULL = whole clinic, else only that provider's courses
--   year_min, year_max  start_year bounds, NULL = open
--   site_ids, indications, routes  lists of allowed values, NULL = all
-- Used by: every file in sql/analytics/ (through grouped_courses where it counts per group).

create or replace macro scoped_courses(scope) as table
    with paired as (
        select c.*, f.* exclude (course_id)
        from courses as c
        positional join course_facts as f
    ),
    final as (
        select *
        from paired
        where (scope['provider_id']::varchar is null
               or provider_id = scope['provider_id']::varchar)
          and (scope['year_min']::integer is null or start_year >= scope['year_min']::integer)
          and (scope['year_max']::integer is null or start_year <= scope['year_max']::integer)
          and (scope['site_ids']::varchar[] is null
               or list_contains(scope['site_ids']::varchar[], site_id))
          and (scope['indications']::varchar[] is null
               or list_contains(scope['indications']::varchar[], indication::varchar))
          and (scope['routes']::varchar[] is null
               or list_contains(scope['routes']::varchar[], route::varchar))
    )
    select * from final;

-- is_like_case(wanted, indication, severity_class, age_band, rehab): whether a course is like
-- one case (issue 3 "Cases like this"): wanted (the queries' $like) is a STRUCT of those four
-- fields, each NULL (any value) or a level the course's must equal. Used by
-- analytics/cases_like_this_counts.sql and analytics/timeline_trajectory.sql (one rule).
create or replace macro is_like_case(wanted, indication, severity_class, age_band, rehab) as
    (wanted['indication']::varchar is null
        or indication::varchar = wanted['indication']::varchar)
    and (wanted['severity_class']::varchar is null
        or severity_class::varchar = wanted['severity_class']::varchar)
    and (wanted['age_band']::varchar is null or age_band::varchar = wanted['age_band']::varchar)
    and (wanted['rehab']::varchar is null or rehab::varchar = wanted['rehab']::varchar);

-- adherence_class_of(n_sessions, planned_sessions): the data contract's adherence rule
-- ("Derived", first match wins): not_started (0 sessions), full_protocol (>= planned),
-- one_and_done (exactly 1), partial (the rest). Used by marts/course_facts.sql for
-- adherence_class and for the landmark's landmark_adherence_class (methods.md section 2).
create or replace macro adherence_class_of(n_sessions, planned_sessions) as
    case
        when coalesce(n_sessions, 0) = 0 then 'not_started'
        when n_sessions >= planned_sessions then 'full_protocol'
        when n_sessions = 1 then 'one_and_done'
        else 'partial'
    end;

-- group_value(by_key, course): the grouping column of a course row named by a whitelisted
-- key (never an identifier from user text): the key is a bound parameter compared with
-- literals; the keys are those of queries/core/factors.py.
create or replace macro group_value(by_key, course) as
    case by_key
        when 'severity' then course['severity_class']::varchar
        when 'adherence' then course['adherence_class']::varchar
        when 'landmark_adherence' then course['landmark_adherence_class']::varchar
        when 'rehab' then course['rehab']::varchar
        when 'provider' then course['provider_id']
        when 'indication' then course['indication']::varchar
        when 'route' then course['route']::varchar
        when 'site' then course['site_id']
        when 'age_band' then course['age_band']::varchar
        when 'sex' then course['sex']::varchar
        when 'lifestyle' then case when course['lifestyle_support'] then 'lifestyle_support'
                                   else 'no_lifestyle_support' end
        when 'expectations' then course['expectations']::varchar
        when 'start_year' then course['start_year']::varchar
        when 'all' then 'all'
    end;

-- grouped_courses(scope, by_key, by_key_2): scoped_courses with the two grouping columns
-- group_value and group_value_2 chosen by whitelisted keys ('all' = one group). Used by every
-- query that counts per group.
create or replace macro grouped_courses(scope, by_key, by_key_2) as table
    with scoped as (
        select *
        from scoped_courses(scope)
    ),
    final as (
        select
            group_value(by_key, scoped) as group_value,
            group_value(by_key_2, scoped) as group_value_2,
            *
        from scoped
    )
    select * from final;

-- grouped_outcomes(scope, by_key, by_key_2, followup_window): grouped_courses with each
-- course's outcome in the follow-up window named followup_window (marts/course_outcomes.sql:
-- baseline, follow-up value, is_eligible, has_followup, is_responder ...). One row per
-- course. Used by every query that counts outcomes.
create or replace macro grouped_outcomes(scope, by_key, by_key_2, followup_window) as table
    with final as (
        select g.*, o.* exclude (course_id)
        from grouped_courses(scope, by_key, by_key_2) as g
        join course_outcomes as o
            on o.course_id = g.course_id and o.window_name = followup_window
    )
    select * from final;

-- scoped_outcomes(scope, followup_window): grouped_outcomes in one group, for the queries
-- that count or list courses without a grouping key.
create or replace macro scoped_outcomes(scope, followup_window) as table
    select * from grouped_outcomes(scope, 'all', 'all', followup_window);

-- casemix_completers(scope, followup_window): the courses the case-mix model is fitted on and
-- the CUSUM reads (methods.md section 4): eligible with a follow-up value in the window (the
-- responder denominator), with only the columns the fit and the start order use: the
-- covariates (the categorical ones as their enums), the start keys and the outcome. One
-- statement for analytics/casemix_courses.sql (page time, with the viewer's filters) and
-- marts/course_casemix.sql (the load's fit of the unfiltered clinic).
create or replace macro casemix_completers(scope, followup_window) as table
    select
        course_id,
        provider_id,
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
    from scoped_outcomes(scope, followup_window)
    where coalesce(is_eligible, false) and coalesce(has_followup, false);

-- nearness(day, target_day): how near a value's day is to a window's target day, as one number
-- to take the smallest of (methods.md section 1: the value nearest the target day, the later
-- one on a tie): distance x 10000 - day (days lie in -60..730, the contract's range, so -day
-- never outweighs one day of distance). Used through nearest_in and nearest_day_in below.
create or replace macro nearness(day, target_day) as abs(day - target_day) * 10000 - day;

-- nearness_day(nearness): the day a nearness was computed from, given its target day's
-- nearness formula above: the distance is nearness / 10000 rounded (the -day term lies in
-- -730..60, less than half of 10000), so day = distance x 10000 - nearness. It lets the
-- smallest nearness of a window stand for the day of its value (marts/primary_course_values.sql:
-- one aggregate per window instead of two).
create or replace macro nearness_day(nearness) as
    (round(nearness / 10000) * 10000 - nearness)::integer;

-- nearest_in(x, day, slot): the aggregate of the value x nearest slot.target_day among the days
-- slot.first_day..slot.last_day (a follow-up window or a trajectory week), the later one on a
-- tie (nearness); nearest_day_in(day, slot): the day of that value, from the smallest nearness
-- (nearness_day: a min is cheaper than a second arg_min). One filtered aggregate per window
-- inside a grouping by course (issue 10). Used by marts/primary_course_values.sql and
-- marts/course_secondary_outcomes.sql.
create or replace macro nearest_in(x, day, slot) as
    arg_min(x, nearness(day, slot.target_day))
        filter (where day between slot.first_day and slot.last_day);

create or replace macro nearest_day_in(day, slot) as
    nearness_day(
        min(nearness(day, slot.target_day))
            filter (where day between slot.first_day and slot.last_day)
    );
