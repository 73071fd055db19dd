-- course_outcomes.sql: the per-course outcome of methods.md section 1, computed once per load.
-- Purpose: baseline (latest value with day <= 0), follow-up (value nearest the window's
--          target day inside the window, the later one on a tie), eligibility
--          (baseline >= $min_baseline), responder (drop >= $min_drop_points AND
--          drop >= $min_drop_fraction of baseline; IMMPACT, Dworkin 2008) and substantial
--          responder (drop >= $substantial_fraction of baseline); not yet due
--          (methods.md section 1 "Not yet due": observed_days < the window's last day, so
--          the window had not closed by the extract; an empty observed_days counts as due).
--          A not-yet-due course leaves every denominator of its window: it is never
--          eligible (is_eligible false, is_responder and is_substantial_responder NULL) and
--          is counted on its own (is_not_yet_due); has_baseline and has_followup still say
--          what the extract holds.
-- Grain: one row per course x follow-up window.
-- Parameters: $instrument, $windows (list of {window_name, target_day, half_width_days}),
--             $min_baseline, $min_drop_points, $min_drop_fraction, $substantial_fraction.
-- Scores come from assessment_daily (same-day duplicates already averaged), courses from
-- staging/stg_courses.sql. A tiny tolerance (1e-9) keeps exact thresholds exact under
-- floating point.
-- Used by: every responder rate (analytics/*), through the course_outcomes table.

insert into course_outcomes by name
with windows as (
    select unnest($windows, recursive := true)
),
daily as (
    select course_id, day, score
    from assessment_daily
    where instrument = $instrument
),
baseline as (
    select course_id, arg_max(score, day) as baseline_score, max(day) as baseline_day
    from daily
    where day <= 0
    group by course_id
),
window_values as (
    -- a value inside a window, with its nearness to the target day (macros.sql nearness)
    select w.window_name, d.course_id, d.day, d.score, nearness(d.day, w.target_day) as nearness
    from daily as d
    join window_days($windows) as w using (day)
),
followup as (
    select
        window_name, course_id,
        arg_min(score, nearness) as followup_score,
        arg_min(day, nearness) as followup_day
    from window_values
    group by window_name, course_id
),
course_windows as (
    select c.course_id, c.observed_days, w.window_name, w.target_day, w.half_width_days
    from stg_courses as c
    cross join windows as w
),
joined as (
    select
        cw.course_id,
        cw.window_name,
        cw.target_day - cw.half_width_days as window_first_day,
        cw.target_day + cw.half_width_days as window_last_day,
        b.baseline_score,
        b.baseline_day,
        f.followup_score,
        f.followup_day,
        b.baseline_score is not null as has_baseline,
        coalesce(cw.observed_days < cw.target_day + cw.half_width_days, false)
            as is_not_yet_due,
        coalesce(b.baseline_score >= $min_baseline, false) as has_eligible_baseline,
        f.followup_score is not null as has_followup
    from course_windows as cw
    left join baseline as b using (course_id)
    left join followup as f using (course_id, window_name)
),
due as (
    select
        * exclude (has_eligible_baseline),
        has_eligible_baseline and not is_not_yet_due as is_eligible
    from joined
),
final as (
    select
        *,
        case when is_eligible and has_followup then
            baseline_score - followup_score >= $min_drop_points - 1e-9
            and baseline_score - followup_score >= $min_drop_fraction * baseline_score - 1e-9
        end as is_responder,
        case when is_eligible and has_followup then
            baseline_score - followup_score >= $substantial_fraction * baseline_score - 1e-9
        end as is_substantial_responder
    from due
)
select * from final;
