-- assessment_daily.sql: one value per course, instrument and day (same-day duplicates averaged).
-- Purpose: the single place where duplicate measurements are resolved, once per load; the
--          outcome, flare, trajectory and durability marts read their scores from here.
-- Grain: one row per course x instrument x day.
-- Parameters: $instrument (one of the contract's instruments). Reads
-- staging/stg_assessments.sql. Run by queries/data/loading.py first among the marts, once per
-- instrument (issue 10): the rows of one instrument are then stored together, so a mart that
-- reads one instrument skips the others' row groups (DuckDB's min/max per row group), and each
-- grouping's hash table is a fraction of the whole (17 M assessments at a million courses).
-- The table is a temporary one of the load's connection: the marts are built from it, the
-- days with duplicates are kept (marts/assessment_duplicates.sql), and it is gone with the
-- connection (writing it to the file cost 3 s at a million courses, issue 10).

create temp table if not exists assessment_daily (
    course_id varchar not null,
    instrument instrument not null,
    day integer not null,
    score double not null,
    n_values integer not null
);

insert into assessment_daily by name
with final as (
    select
        course_id, instrument, assessment_day as day, avg(score) as score,
        count(*) as n_values
    from stg_assessments
    where instrument = $instrument
    group by course_id, instrument, assessment_day
)
select * from final;
