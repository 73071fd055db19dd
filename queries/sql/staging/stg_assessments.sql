-- stg_assessments.sql: the assessments table as the marts read it: `day` named for what it is.
-- The instrument stays its enum (one byte): assessment_daily groups 17 M rows by it at a
-- million courses and stores it as the same enum (issue 10).
-- Grain: one row per outcome measurement (same-day duplicates still separate: they are
-- averaged by marts/assessment_daily.sql). Parameters: none.
-- Created as a view by queries/data/loading.py before the marts are built; read by
-- marts/assessment_daily.sql.

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
