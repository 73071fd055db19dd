-- eligible_without_primary_followup.sql: eligible courses with no value in the primary
-- follow-up window: lost to follow-up (methods.md section 1, never dropped silently).
-- Eligibility and follow-up are those of marts/course_outcomes.sql (is_eligible,
-- has_followup), not derived again here.
-- Grain: one row per failing course. Parameters: $window. Zero rows = pass.

with final as (
    select o.course_id, c.provider_id
    from course_outcomes as o
    join stg_courses as c using (course_id)
    where o.window_name = $window and o.is_eligible and not o.has_followup
)
select * from final order by course_id;
