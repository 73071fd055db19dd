-- primary_course_values.sql: each course's primary-instrument values that the outcome, trajectory
-- and early-flare marts take, found in one aggregation per course (issue 10: a million courses).
-- Purpose: the baseline (methods.md section 1: the latest value with day <= 0), the follow-up
--          of each window (the value nearest the window's target day inside the window, the
--          later one on a tie: macros.sql nearest_in), the value of each trajectory week
--          (methods.md section 5: the days each week takes, queries.stats.trajectory
--          week_day_ranges, and the same nearest-then-later rule) and the highest value of the
--          early-flare days (methods.md section 5). Scores are the day's values averaged
--          (assessment_daily). Grouping by course alone, with one filtered aggregate per window
--          and week, replaced a grouping by course x window and one by course x week: nearly
--          every such group holds one value, and at a million courses the two took about 4 s
--          more of CPU than this one.
-- Grain: one row per course with a value of the instrument; a temporary table of the load's
--        connection (read by marts/course_outcomes.sql, course_trajectory_weeks.sql and
--        course_facts.sql, gone with the connection).
-- Parameters: $instrument; $windows (one {window_name, target_day, first_day, last_day}
--             per follow-up window, the order of outcome_windows.slot: queries/data/loading.py
--             build_marts); $week_slots (one {week, target_day, first_day, last_day, source,
--             at} per trajectory week) and $own_weeks (the weeks computed here), both from
--             queries.stats.trajectory.week_plan; $flare_first_day, $flare_last_day.
-- Weeks told by another value (trajectory.week_plan): week 0 (-60..0) is the baseline, and a
--             week whose follow-up window has its target day and holds its range, with every
--             other day of the window farther, is the window's value when that value's day
--             lies in the week (else none: a value in the week would have been nearer). Only
--             the other weeks have aggregates of their own (issue 10: at a million courses
--             the five weeks told so were 10 of 31 aggregates, 0.65 s of 2.3).
--             A call with an argument `$name[*]` is repeated once per element of the list
--             (queries/data/db.py expand_slots): list element k is window or week k.

create or replace temp macro week_value(baseline, window_values, window_days, own_values, slot) as
    case slot.source
        when 'baseline' then baseline
        when 'window' then
            case when window_days[slot.at] between slot.first_day and slot.last_day
                then window_values[slot.at] end
        else own_values[slot.at]
    end;

create or replace temp table primary_course_values as
with daily as (
    select course_id, day, score
    from assessment_daily
    where instrument = $instrument
),
per_course as (
    select
        course_id,
        arg_max(score, day) filter (where day <= 0) as baseline_score,
        max(day) filter (where day <= 0) as baseline_day,
        list_value(nearest_in(score, day, $windows[*])) as followup_scores,
        list_value(nearest_day_in(day, $windows[*])) as followup_days,
        list_value(nearest_in(score, day, $own_weeks[*])) as own_scores,
        list_value(nearest_day_in(day, $own_weeks[*])) as own_days,
        max(score) filter (where day between $flare_first_day and $flare_last_day)
            as early_max_score
    from daily
    group by course_id
),
final as (
    select
        course_id,
        baseline_score,
        baseline_day,
        followup_scores,
        followup_days,
        list_value(
            week_value(baseline_score, followup_scores, followup_days, own_scores, $week_slots[*])
        ) as week_scores,
        list_value(
            week_value(baseline_day, followup_days, followup_days, own_days, $week_slots[*])
        ) as week_days,
        early_max_score
    from per_course
)
select * from final;
