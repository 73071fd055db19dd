-- timeline_nrs_changes.sql: every primary-instrument value of a course as a change from its
-- baseline, for the mean-change-by-week trajectory (methods.md sections 1 and 5).
-- Purpose: the rows queries/trajectory.py turns into mean change by week (0, 1, 2, 3, 4, 6,
--          8, 12, 26, 52) with t intervals. Baseline = latest value with day <= 0, taken from
--          course_outcomes (one definition); scores from assessment_daily (same-day
--          duplicates averaged). Courses with no baseline have no change and are left out;
--          change < 0 = less pain.
-- Grain: one row per course x assessment day (courses with a baseline, in scope).
-- Parameters: $by (whitelisted grouping key, see macros.sql group_value; 'all' = one group),
--             $instrument, $window (the window whose course_outcomes row holds the baseline),
--             $scope_provider_id, $year_min, $year_max, $site_ids, $indication_ids,
--             $route_ids (scope and filters, see macros.sql).
-- Used by: Timeline page (trajectory chart), queries/timeline.py nrs_trajectory.

with scoped as (
    select *
    from grouped_courses($by, 'all', $scope_provider_id, $year_min, $year_max, $site_ids,
                         $indication_ids, $route_ids)
),
grouped as (
    select
        course_id,
        group_value
    from scoped
),
baseline as (
    select o.course_id, o.baseline_score, o.baseline_day
    from course_outcomes as o
    join grouped as g using (course_id)
    where o.window_name = $window and o.has_baseline
),
daily as (
    select a.course_id, a.day, a.score
    from assessment_daily as a
    join baseline as b using (course_id)
    where a.instrument = $instrument
),
final as (
    select
        d.course_id,
        g.group_value,
        d.day,
        d.score,
        b.baseline_score,
        d.score - b.baseline_score as change_from_baseline
    from daily as d
    join baseline as b using (course_id)
    join grouped as g using (course_id)
)
select * from final
order by course_id, day;
