-- timeline_durability.sql: how long a primary-window response lasts (methods.md section 5).
-- Purpose: among primary-window responders, the days from the follow-up day until the first
--          later value that no longer meets the responder criterion against baseline (drop
--          >= $min_drop_points AND >= $min_drop_fraction of baseline; the same 1e-9
--          tolerance as course_outcomes), censored at the last value. Same-day duplicates
--          are averaged once per load (assessment_daily). A responder with no later value is
--          censored at 0 days.
--          queries/stats/survival.py turns the durations into Kaplan-Meier curves.
-- Grain: one row per primary-window responder (in scope).
-- Parameters: $scope (scope and filters, see macros.sql), $by (whitelisted grouping key,
--             see macros.sql group_value), $instrument, $window, $min_drop_points,
--             $min_drop_fraction.
-- Used by: Timeline page (durability), queries/analytics/durability.py durability_courses,
--          durability_km.

with responders as (
    select course_id, group_value, baseline_score, followup_score, followup_day
    from grouped_outcomes($scope, $by, 'all', $window)
    where is_responder
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
        r.group_value,
        r.baseline_score,
        r.followup_score,
        r.followup_day,
        p.lost_day,
        coalesce(p.last_later_day, r.followup_day) as last_value_day,
        p.lost_day is not null as is_response_lost,
        coalesce(p.lost_day, p.last_later_day, r.followup_day) - r.followup_day
            as duration_days
    from responders as r
    left join per_course as p using (course_id)
)
select * from final
order by course_id;
