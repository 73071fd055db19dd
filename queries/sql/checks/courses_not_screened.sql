-- courses_not_screened.sql: courses given without a documented contraindication screen
-- (contraindication = not_screened), a quality indicator (methods.md section 5); with the
-- sessions given (n_sessions_completed of marts/course_facts.sql).
-- Grain: one row per failing course. Parameters: none. Zero rows = pass.

with final as (
    select c.course_id, c.provider_id, f.n_sessions_completed
    from stg_courses as c
    join course_facts as f using (course_id)
    where c.contraindication = 'not_screened'
)
select * from final order by course_id;
