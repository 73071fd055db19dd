-- course_trajectory_weeks.sql: each course's one value per trajectory week, computed once per
-- load (methods.md section 5: trajectory; issue 10: nothing per course at page time).
-- Purpose: step 1 of queries/stats/trajectory.py set-wise: a primary-instrument day belongs to
--          the week whose target day (7 x week) is nearest, the later week on a tie, and only
--          inside that week's window; $weeks holds the days each week takes under that rule
--          (queries.stats.trajectory.week_day_ranges, one definition). Per course and week the
--          value nearest the target day is kept, the later day on a tie (the tie rule of
--          methods.md section 1): the sort key distance x 4096 - day orders by distance, then
--          later day first (days are -60..730, so -day never outweighs one day of distance).
--          Change = score - baseline (baseline from course_outcomes: one definition; same-day
--          duplicates averaged in assessment_daily); week 0 is the baseline, change 0.
-- Grain: one row per course with a baseline x week with a value.
-- Parameters: $instrument, $primary_window, $weeks (list of {week, target_day, first_day,
--             last_day}). Run by queries/data/loading.py after course_outcomes.
-- Used by: analytics/timeline_trajectory.sql (Timeline trajectory, Cases like this).

insert into course_trajectory_weeks by name
with weeks as (
    select unnest($weeks, recursive := true)
),
week_days as (
    -- each day of each week's range: a value finds its week by an equality join on the day
    select week, target_day, unnest(range(first_day, last_day + 1)) as day
    from weeks
),
baselines as (
    select course_id, baseline_score
    from course_outcomes
    where window_name = $primary_window and has_baseline
),
candidates as (
    select
        d.course_id,
        w.week,
        d.day,
        d.score - b.baseline_score as change_from_baseline,
        abs(d.day - w.target_day) * 4096 - d.day as sort_key
    from assessment_daily as d
    join baselines as b using (course_id)
    join week_days as w using (day)
    where d.instrument = $instrument
),
final as (
    select
        course_id,
        week,
        arg_min(day, sort_key) as day,
        arg_min(change_from_baseline, sort_key) as change_from_baseline
    from candidates
    group by course_id, week
)
select * from final;
