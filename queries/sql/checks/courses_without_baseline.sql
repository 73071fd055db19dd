-- courses_without_baseline.sql: courses with no primary-instrument value on or before day 0.
-- They are left out of responder rates and counted as "no baseline" (methods.md section 1).
-- Grain: one row per failing course. Parameters: $instrument. Zero rows = pass.

with baselines as (
    select distinct course_id from assessments where instrument = $instrument and day <= 0
),
final as (
    select c.course_id, c.provider_id
    from courses as c
    anti join baselines as b using (course_id)
)
select * from final order by course_id;
