-- course_escalation.sql: time to escalation (surgery or other invasive care) per course,
-- computed once per load (methods.md section 5: escalation within 12 months; issue 10).
-- Purpose: escalated courses at escalated_day (never negative: the loader refuses a negative
--          one, data-contract.md), the others censored at the last day they were seen (last
--          assessment of any instrument or last session, floored at 0). The last assessment
--          day is course_facts.sql's temporary course_last_assessment (one grouping of the
--          assessments for both marts).
-- Grain: one row per course.
-- Parameters: none. Reads stg_courses, course_last_assessment and course_facts; run by
--             queries/data/loading.py after course_facts.
-- Used by: analytics/timeline_escalation.sql, analytics/timeline_escalation_counts.sql.

insert into course_escalation by name
with observed as (
    select
        c.course_id,
        c.escalated_day,
        l.last_assessment_day,
        f.last_session_day,
        greatest(coalesce(l.last_assessment_day, 0), coalesce(f.last_session_day, 0), 0)
            as last_observed_day
    from stg_courses as c
    join course_facts as f using (course_id)
    left join course_last_assessment as l using (course_id)
),
final as (
    select
        *,
        escalated_day is not null as is_escalated,
        coalesce(escalated_day, last_observed_day) as duration_days
    from observed
)
select * from final;
