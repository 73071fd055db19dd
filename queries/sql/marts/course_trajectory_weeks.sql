-- course_trajectory_weeks.sql: each course's one value per trajectory week, computed once per
-- load (methods.md section 5: trajectory; issue 10: nothing per course at page time).
-- Purpose: step 1 of queries/stats/trajectory.py set-wise: a primary-instrument day belongs to
--          the week whose target day (7 x week) is nearest, the later week on a tie, and only
--          inside that week's window (queries.stats.trajectory.week_day_ranges, one
--          definition); per course and week the value nearest the target day is kept, the
--          later day on a tie (the tie rule of methods.md section 1). Both are found by
--          marts/primary_course_values.sql (its week lists, slot k = week k of $week_slots).
--          Change = score - baseline (the baseline of course_outcomes: the same
--          primary_course_values column; same-day duplicates averaged in assessment_daily);
--          week 0 is the baseline, change 0.
-- Grain: one row per course with a baseline x week with a value.
-- Parameters: $week_slots (list of {week, target_day, first_day, last_day}, the lists' order).
--             Run by queries/data/loading.py after marts/primary_course_values.sql.
-- Used by: analytics/timeline_trajectory.sql (Timeline trajectory, Cases like this).

insert into course_trajectory_weeks by name
with weeks as (
    select unnest($week_slots, recursive := true), generate_subscripts($week_slots, 1) as slot
),
final as (
    select
        v.course_id,
        w.week,
        v.week_days[w.slot] as day,
        v.week_scores[w.slot] - v.baseline_score as change_from_baseline
    from primary_course_values as v
    cross join weeks as w
    where v.baseline_score is not null and v.week_scores[w.slot] is not null
)
select * from final;
