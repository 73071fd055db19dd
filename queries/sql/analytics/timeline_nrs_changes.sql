-- timeline_nrs_changes.sql: every primary-instrument value of a course as a change from its
-- baseline, for the mean-change-by-week trajectory (methods.md sections 1 and 5).
-- Purpose: the rows queries/stats/trajectory.py turns into mean change by week (0, 1, 2, 3, 4, 6,
--          8, 12, 26, 52) with t intervals. Baseline = latest value with day <= 0, taken from
--          course_outcomes (one definition); scores are the day's values averaged (as
--          marts/assessment_daily.sql does at load; that table lives only while a load runs). Courses with no baseline have no change and are left out;
--          change < 0 = less pain.
-- Grain: one row per course x assessment day (courses with a baseline, in scope).
-- Parameters: $scope (scope and filters, see macros.sql), $by (whitelisted grouping key,
--             see macros.sql group_value; 'all' = one group), $instrument, $window (the
--             window whose course_outcomes row holds the baseline).
-- Used by: queries/analytics/trajectories.py nrs_changes: the course-level input of the
--          pandas trajectory (stats/trajectory.py trajectory_by_week) that the tests compare
--          the pages' set-wise trajectory with (timeline_trajectory.sql; issue 10).

with baseline as (
    select course_id, group_value, baseline_score
    from grouped_outcomes($scope, $by, 'all', $window)
    where has_baseline
),
daily as (
    select course_id, day, avg(score) as score
    from assessments
    where instrument = $instrument
    group by course_id, day
),
final as (
    select
        b.course_id,
        b.group_value,
        a.day,
        a.score,
        b.baseline_score,
        a.score - b.baseline_score as change_from_baseline
    from baseline as b
    join daily as a using (course_id)
)
select * from final
order by course_id, day;
