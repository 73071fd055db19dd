-- courses_without_baseline.sql: courses with no baseline (no primary-instrument value on or
-- before day 0). They are left out of responder rates and counted as "no baseline"
-- (methods.md section 1). The baseline is the one of marts/course_outcomes.sql (has_baseline),
-- not derived again here.
-- Grain: one row per failing course. Parameters: $window (the primary window; a course's
-- baseline is the same in every window). Zero rows = pass.

with outcomes as (
    select course_id
    from course_outcomes
    where window_name = $window and not has_baseline
),
final as (
    select c.course_id, c.provider_id
    from stg_courses as c
    semi join outcomes as o using (course_id)
)
select * from final order by course_id;
