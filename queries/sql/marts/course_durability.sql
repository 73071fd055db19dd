-- course_durability.sql: how long each primary-window response lasted, computed once per load
-- (methods.md section 5: durability; issue 10: nothing per course at page time).
-- Purpose: per primary-window responder, the first later value that no longer meets the
--          responder criterion against baseline (drop >= $min_drop_points AND >=
--          $min_drop_fraction of baseline; the 1e-9 tolerance of course_outcomes), censored
--          at the last value; a responder with no later value is censored at 0 days.
--          Same-day duplicates averaged (assessment_daily). queries/stats/survival.py turns
--          the counts per duration into Kaplan-Meier curves.
-- Grain: one row per primary-window responder.
-- Parameters: $instrument, $primary_window, $min_drop_points, $min_drop_fraction. Run by
--             queries/data/loading.py after course_outcomes.
-- Used by: analytics/timeline_durability.sql, analytics/timeline_durability_counts.sql.

insert into course_durability by name
with responders as (
    select course_id, baseline_score, followup_day
    from course_outcomes
    where window_name = $primary_window and is_responder
),
later as (
    select
        r.course_id,
        a.day,
        not (r.baseline_score - a.score >= $min_drop_points - 1e-9
             and r.baseline_score - a.score >= $min_drop_fraction * r.baseline_score - 1e-9)
            as is_lost
    from responders as r
    join assessment_daily as a
        on a.course_id = r.course_id and a.instrument = $instrument
        and a.day > r.followup_day
),
per_course as (
    select
        course_id,
        min(day) filter (where is_lost) as lost_day,
        max(day) as last_later_day
    from later
    group by course_id
),
final as (
    select
        r.course_id,
        p.lost_day,
        coalesce(p.last_later_day, r.followup_day) as last_value_day,
        p.lost_day is not null as is_response_lost,
        coalesce(p.lost_day, p.last_later_day, r.followup_day) - r.followup_day
            as duration_days
    from responders as r
    left join per_course as p using (course_id)
)
select * from final;
