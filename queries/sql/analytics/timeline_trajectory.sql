-- timeline_trajectory.sql: mean change in pain by trajectory week per group, set-wise
-- (methods.md section 5: trajectory; section 3: t intervals).
-- Purpose: step 2 of queries/stats/trajectory.py in SQL: per group and week the number of
--          courses, the mean and the sample standard deviation of the one value per course
--          and week that the load kept (marts/course_trajectory_weeks.sql: nearest week,
--          nearest day, change from baseline); queries/stats/trajectory.py
--          summarise_moments adds the t intervals. Courses with no baseline have no rows.
--          $like narrows to the courses like one case (Cases like this); a NULL field = any.
-- Grain: one row per group_value x week with at least one course.
-- Parameters: $scope (scope and filters, see macros.sql), $by (whitelisted grouping key,
--             see macros.sql group_value; 'all' = one group), $like (STRUCT indication,
--             severity_class, age_band, rehab; each NULL or a level).
-- Used by: Timeline page (trajectory chart), Cases like this (typical trajectory),
--          queries/analytics/trajectories.py nrs_trajectory, cases.py trajectory_like_this.

with courses as (
    select course_id, group_value
    from grouped_courses($scope, $by, 'all')
    where is_like_case($like, indication, severity_class, age_band, rehab)
),
final as (
    select
        c.group_value,
        t.week,
        count(*) as n_courses,
        avg(t.change_from_baseline) as mean_change,
        stddev_samp(t.change_from_baseline) as sd_change
    from course_trajectory_weeks as t
    join courses as c using (course_id)
    group by c.group_value, t.week
)
select * from final
order by group_value, week;
