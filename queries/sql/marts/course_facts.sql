-- course_facts.sql: the contract's derived columns, computed once per load.
-- Purpose: severity_class, sessions_completed, adherence_class (data-contract "Derived"),
--          plus per-course session and adverse-event counts used by many pages.
-- Grain: one row per course.
-- Parameters: none. Run by queries/loading.py after the raw tables are filled.

insert into course_facts
with session_counts as (
    select course_id, count(*) as sessions_completed, max(day) as last_session_day
    from sessions
    group by course_id
),
event_counts as (
    select
        course_id,
        count(*) as n_adverse_events,
        count(*) filter (where seriousness = 'serious') as n_serious_adverse_events
    from adverse_events
    group by course_id
),
classified as (
    select
        c.course_id,
        case
            when c.severity_scale = 'none' or c.severity_grade is null then 'unknown'
            when c.severity_scale = 'kl' then case c.severity_grade
                when '0' then 'none' when '1' then 'none' when '2' then 'mild'
                when '3' then 'moderate'
                when '4' then case when c.end_stage then 'end_stage' else 'severe' end
            end
            when c.severity_scale = 'pfirrmann' then case c.severity_grade
                when 'I' then 'none' when 'II' then 'mild' when 'III' then 'moderate'
                when 'IV' then case when c.end_stage then 'end_stage' else 'severe' end
                when 'V' then 'end_stage'
            end
            when c.severity_scale = 'clinician' then c.severity_grade
        end as severity_class,
        coalesce(s.sessions_completed, 0) as sessions_completed,
        case
            when coalesce(s.sessions_completed, 0) = 0 then 'not_started'
            when s.sessions_completed >= c.planned_sessions then 'full_protocol'
            when s.sessions_completed = 1 then 'one_and_done'
            else 'partial'
        end as adherence_class,
        s.last_session_day,
        coalesce(e.n_adverse_events, 0) as n_adverse_events,
        coalesce(e.n_serious_adverse_events, 0) as n_serious_adverse_events
    from courses as c
    left join session_counts as s using (course_id)
    left join event_counts as e using (course_id)
),
final as (
    select * from classified
)
select * from final;
