-- stg_courses.sql: the courses table as the marts read it: enums cast to text once, nothing
-- derived (house style: staging files only rename and cast; marts hold the logic).
-- Grain: one row per course. Parameters: none.
-- Created as a view by queries/data/loading.py before the marts are built; read by
-- marts/course_outcomes.sql, marts/course_facts.sql and the data checks.

create or replace view stg_courses as
with final as (
    select
        course_id,
        patient_id,
        site_id,
        provider_id,
        start_year,
        start_quarter,
        age_band::varchar as age_band,
        sex::varchar as sex,
        indication::varchar as indication,
        route::varchar as route,
        severity_scale::varchar as severity_scale,
        severity_grade,
        end_stage,
        symptom_months,
        planned_sessions,
        rehab::varchar as rehab,
        lifestyle_support,
        expectations::varchar as expectations,
        contraindication::varchar as contraindication,
        g6pd_tested,
        overtraining_reported,
        early_antioxidants_reported,
        escalated_day,
        course_price,
        observed_days
    from courses
)
select * from final;
