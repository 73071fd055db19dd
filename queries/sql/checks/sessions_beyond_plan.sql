-- sessions_beyond_plan.sql: courses that delivered more sessions than planned (allowed by the
-- contract, worth a look: the plan may not have been updated). Sessions delivered are
-- n_sessions_completed of marts/course_facts.sql.
-- Grain: one row per failing course. Parameters: none. Zero rows = pass.

with final as (
    select c.course_id, c.provider_id, c.planned_sessions, f.n_sessions_completed
    from stg_courses as c
    join course_facts as f using (course_id)
    where f.n_sessions_completed > c.planned_sessions
)
select * from final order by course_id;
