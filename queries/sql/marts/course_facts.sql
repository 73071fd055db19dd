-- course_facts.sql: the contract's derived columns, computed once per load.
-- Purpose: severity_class, n_sessions_completed, adherence_class (data-contract "Derived"),
--          per-course session and adverse-event counts, and the early flare of methods.md
--          section 5: NRS on day $flare_first_day..$flare_last_day >= baseline +
--          $flare_min_rise (same-day duplicates averaged, as in course_outcomes; a 1e-9
--          tolerance keeps the boundary exact), or a post_injection_flare event on day
--          0..$flare_last_day (a later flare is an adverse event, not an early flare);
--          early quit = 1-2 sessions completed with more planned; quit after flare = both.
--          The day-$landmark_day landmark of methods.md section 2: still in care then (a
--          session or an assessment of any instrument on or after that day), and the
--          adherence reached by then (sessions on day 0..$landmark_day against planned,
--          classed by the same rule as adherence_class: macros.sql adherence_class_of).
-- Grain: one row per course, in the order of courses (the k-th row is the k-th course of a
--        scan of courses: numbered by row_number() over the scan itself, the only order
--        that needs no sort): sql/macros.sql scoped_courses pairs the two tables by
--        position (positional join) instead of joining them on course_id on every page
--        view (issue 10: a million courses). The last statement checks the pairing and
--        fails the load (nothing is swapped in) if one row is out of place.
-- Parameters: $flare_last_day, $flare_min_rise, $landmark_day. Reads staging (stg_courses,
--             stg_sessions, stg_adverse_events, stg_assessments) and primary_course_values
--             (the baseline of course_outcomes and the highest value of the early-flare days,
--             $flare_first_day..$flare_last_day: one definition of baseline); run by
--             queries/data/loading.py after marts/primary_course_values.sql.

-- The last assessment day of each course (any instrument: the days of assessment_daily, read
-- from stg_assessments, which is several times faster to group): a temporary table that
-- marts/course_escalation.sql reads too (one grouping of the assessments, not two).
create or replace temp table course_last_assessment as
select course_id, max(assessment_day) as last_assessment_day
from stg_assessments
group by course_id;

-- Each course's position in a scan of courses, numbered apart: row_number() over () runs on
-- one thread, and inside the statement below it held every join of the courses to one thread
-- too (issue 10).
create or replace temp table course_positions as
select course_id, row_number() over () as course_row
from stg_courses;

insert into course_facts by name
with numbered_courses as (
    select c.*, p.course_row
    from stg_courses as c
    join course_positions as p using (course_id)
),
session_counts as (
    select
        course_id,
        count(*) as n_sessions_completed,
        max(session_day) as last_session_day,
        count(*) filter (where session_day between 0 and $landmark_day)
            as n_sessions_by_landmark
    from stg_sessions
    group by course_id
),
event_counts as (
    select
        course_id,
        count(*) as n_adverse_events,
        count(*) filter (where seriousness = 'serious') as n_serious_adverse_events,
        count(*) filter (
            where event = 'post_injection_flare' and event_day between 0 and $flare_last_day
        ) > 0 as has_flare_event
    from stg_adverse_events
    group by course_id
),
early_rises as (
    -- a primary-instrument value on the early-flare days at least $flare_min_rise above the
    -- baseline: the highest such value against the baseline (primary_course_values)
    select course_id
    from primary_course_values
    where early_max_score >= baseline_score + $flare_min_rise - 1e-9
),
classified as (
    select
        c.course_id,
        c.course_row,
        c.planned_sessions,
        case
            when c.severity_scale = 'none' or c.severity_grade is null then 'unknown'
            when c.severity_scale = 'kl' then case c.severity_grade
                when '0' then 'none' when '1' then 'none' when '2' then 'mild'
                when '3' then 'moderate'
                when '4' then case when c.end_stage then 'end_stage' else 'severe' end
            end
            when c.severity_scale = 'pfirrmann' then case c.severity_grade
                when 'I' then 'none' when 'II' then 'mild' when 'III' then 'moderate'
                when 'IV' then case when c.end_stage then 'end_stage' else 'severe' end
                when 'V' then 'end_stage'
            end
            when c.severity_scale = 'clinician' then c.severity_grade
        end as severity_class,
        coalesce(s.n_sessions_completed, 0) as n_sessions_completed,
        adherence_class_of(s.n_sessions_completed, c.planned_sessions) as adherence_class,
        s.last_session_day,
        coalesce(s.n_sessions_by_landmark, 0) as n_sessions_by_landmark,
        adherence_class_of(s.n_sessions_by_landmark, c.planned_sessions)
            as landmark_adherence_class,
        coalesce(s.last_session_day >= $landmark_day, false)
            or coalesce(a.last_assessment_day >= $landmark_day, false)
            as is_in_care_at_landmark,
        coalesce(e.n_adverse_events, 0) as n_adverse_events,
        coalesce(e.n_serious_adverse_events, 0) as n_serious_adverse_events,
        r.course_id is not null as has_nrs_flare,
        coalesce(e.has_flare_event, false) as has_flare_event
    from numbered_courses as c
    left join session_counts as s using (course_id)
    left join course_last_assessment as a using (course_id)
    left join event_counts as e using (course_id)
    left join early_rises as r using (course_id)
),
final as (
    select
        course_row, course_id, severity_class, n_sessions_completed, adherence_class,
        last_session_day, n_sessions_by_landmark, landmark_adherence_class,
        is_in_care_at_landmark,
        n_adverse_events, n_serious_adverse_events, has_nrs_flare, has_flare_event,
        has_nrs_flare or has_flare_event as is_early_flare,
        n_sessions_completed between 1 and 2 and planned_sessions > n_sessions_completed
            as is_early_quit,
        (has_nrs_flare or has_flare_event) and n_sessions_completed between 1 and 2
            and planned_sessions > n_sessions_completed as is_quit_after_flare
    from classified
)
select * exclude (course_row) from final
order by course_row;

select case
    when count(*) > 0 then error(
        'The per-course facts came out of the order of the courses, so nothing was loaded: '
        || 'run the load again.'
    )
end
from stg_courses as c
positional join course_facts as f
where c.course_id is distinct from f.course_id;
