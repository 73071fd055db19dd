-- stg_assessments.sql: the assessments table as the marts read it: `day` named for what it is.
-- The instrument stays its enum (one byte): the marts group 17 M rows by it at a million
-- courses (marts/assessment_repeats.sql) and keep it as the same enum (issue 10).
-- Grain: one row per outcome measurement (same-day duplicates still separate: they are
-- averaged by marts/assessment_daily.sql). Parameters: none.
-- Created as a view by queries/data/loading.py before the marts are built; read by
-- marts/assessment_repeats.sql, assessment_daily.sql and course_facts.sql.

create or replace view stg_assessments as
with final as (
    select
        course_id,
        day as assessment_day,
        instrument,
        score
    from assessments
)
select * from final;
