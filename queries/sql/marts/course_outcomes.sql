-- course_outcomes.sql: what the per-course outcome of methods.md section 1 is computed from,
-- once per load: the view course_outcomes (sql/meta/schema.sql) applies eligibility, response
-- and not yet due to these two tables.
-- Purpose: outcome_windows: the settings' follow-up windows (slot k = the k-th of $windows,
--          the order of marts/primary_course_values.sql's lists) with the responder
--          thresholds; course_outcome_values: per course its observed_days, the baseline
--          (latest value with day <= 0) and each window's follow-up value and day (the value
--          nearest the window's target day inside the window, the later one on a tie), from
--          primary_course_values (same-day duplicates averaged in assessment_daily).
-- Grain: one row per window; one row per course (a course without a value has NULLs).
-- Parameters: $windows (list of {window_name, target_day, first_day, last_day}), $min_baseline,
--             $min_drop_points, $min_drop_fraction, $substantial_fraction. Reads
--             staging/stg_courses.sql and primary_course_values; run by queries/data/loading.py
--             after marts/primary_course_values.sql.
-- Used by: every responder rate (analytics/*), through the view course_outcomes.

insert into outcome_windows by name
with windows as (
    select unnest($windows, recursive := true), generate_subscripts($windows, 1) as slot
),
final as (
    select
        slot,
        window_name,
        first_day as window_first_day,
        last_day as window_last_day,
        $min_baseline as min_baseline,
        $min_drop_points as min_drop_points,
        $min_drop_fraction as min_drop_fraction,
        $substantial_fraction as substantial_fraction
    from windows
)
select * from final;

insert into course_outcome_values by name
with final as (
    select
        c.course_id, c.observed_days, v.baseline_score, v.baseline_day, v.followup_scores,
        v.followup_days
    from stg_courses as c
    left join primary_course_values as v using (course_id)
)
select * from final;
