-- assessment_daily.sql: one value per course, instrument and day (same-day duplicates averaged).
-- Purpose: the single place where duplicate measurements are resolved, once per load; the
--          outcome, flare, trajectory and durability marts read their scores from here.
-- Grain: one row per course x instrument x day.
-- Parameters: none. Reads staging/stg_assessments.sql and marts/assessment_repeats.sql (the
-- pairs that repeat a day: only their values are grouped by day; every other value is one
-- day's value as it is). Run by queries/data/loading.py after assessment_repeats (issue 10):
-- grouping all 17 M assessments by course x instrument x day, nearly one group per value, cost
-- about 2.5 s at a million courses, and storing them 0.5 s more; as a view, each mart's read of
-- one instrument costs a scan and a probe of the small table of repeats (no probe when it is
-- empty).
-- The view is a temporary one of the load's connection: the marts are built from it, the days
-- with duplicates are kept (marts/assessment_duplicates.sql), and it is gone with the
-- connection.

create or replace temp view assessment_daily as
with kept as (
    -- the values of a pair with every value on its own day (most): as they are
    select a.course_id, a.instrument, a.assessment_day as day, a.score, 1 as n_values
    from stg_assessments as a
    anti join assessment_repeats as r using (course_id, instrument)
),
averaged as (
    -- the pairs that repeat a day: one value per day, the day's values averaged
    select
        a.course_id, a.instrument, a.assessment_day as day, avg(a.score) as score,
        count(*) as n_values
    from stg_assessments as a
    semi join assessment_repeats as r using (course_id, instrument)
    group by a.course_id, a.instrument, a.assessment_day
),
final as (
    select * from kept
    union all
    select * from averaged
)
select * from final;
