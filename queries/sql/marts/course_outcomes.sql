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
-- Parameters: $windows (list of {window_name, target_day, half_width_days}, the order of
--             marts/primary_course_values.sql's lists), $min_baseline, $min_drop_points,
--             $min_drop_fraction, $substantial_fraction.
-- Baseline and follow-up values come from primary_course_values (one aggregation per course
-- over assessment_daily: same-day duplicates averaged), courses from staging/stg_courses.sql.
-- A tiny tolerance (1e-9) keeps exact thresholds exact under floating point.
-- Used by: every responder rate (analytics/*), through the course_outcomes table.

insert into course_outcomes by name
with windows as (
    -- slot k is the k-th window: the k-th element of primary_course_values' lists
    select unnest($windows, recursive := true), generate_subscripts($windows, 1) as slot
),
course_windows as (
    select
        c.course_id, c.observed_days, w.window_name, w.target_day, w.half_width_days, w.slot,
        v.baseline_score, v.baseline_day, v.followup_scores, v.followup_days
    from stg_courses as c
    left join primary_course_values as v using (course_id)
    cross join windows as w
),
joined as (
    select
        course_id,
        window_name,
        target_day - half_width_days as window_first_day,
        target_day + half_width_days as window_last_day,
        baseline_score,
        baseline_day,
        followup_scores[slot] as followup_score,
        followup_days[slot] as followup_day,
        baseline_score is not null as has_baseline,
        coalesce(observed_days < target_day + half_width_days, false) as is_not_yet_due,
        coalesce(baseline_score >= $min_baseline, false) as has_eligible_baseline,
        followup_scores[slot] is not null as has_followup
    from course_windows
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
