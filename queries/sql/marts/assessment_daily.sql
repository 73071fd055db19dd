-- assessment_daily.sql: one value per course, instrument and day (same-day duplicates averaged).
-- Purpose: the single place where duplicate measurements are resolved, once per load; the
--          outcome, flare, trajectory and durability queries read their scores from here.
-- Grain: one row per course x instrument x day.
-- Parameters: none. Reads staging/stg_assessments.sql. Run by queries/data/loading.py first
-- among the marts.

insert into assessment_daily by name
with final as (
    select
        course_id, instrument, assessment_day as day, avg(score) as score,
        count(*) as n_values
    from stg_assessments
    group by course_id, instrument, assessment_day
)
select * from final;
