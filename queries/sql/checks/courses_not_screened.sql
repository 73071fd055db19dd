-- courses_not_screened.sql: courses given without a documented contraindication screen
-- (contraindication = not_screened), a quality indicator (methods.md section 5).
-- Grain: one row per failing course. Parameters: none. Zero rows = pass.

with final as (
    select course_id, provider_id, sessions.n_sessions
    from courses
    left join (select course_id, count(*) as n_sessions from sessions group by course_id) as sessions
        using (course_id)
    where contraindication = 'not_screened'
)
select * from final order by course_id;
