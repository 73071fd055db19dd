-- eligible_without_primary_followup.sql: eligible courses (baseline >= 3) with no value in the
-- primary follow-up window: lost to follow-up (methods.md section 1, never dropped silently).
-- Grain: one row per failing course. Parameters: $window. Zero rows = pass.

with final as (
    select o.course_id, c.provider_id
    from course_outcomes as o
    join courses as c using (course_id)
    where o.window_name = $window and o.is_eligible and not o.has_followup
)
select * from final order by course_id;
