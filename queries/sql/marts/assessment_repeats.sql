-- assessment_repeats.sql: the course x instrument pairs that hold two values on one day, found
-- without grouping every value by day (issue 10: a million courses).
-- Purpose: marts/assessment_daily.sql averages same-day duplicates; grouping all 17 M
--          assessments by course x instrument x day, nearly one group per value, was its
--          whole cost. Candidates first: a pair whose values cannot all be on different days
--          by two masks of their days (day + 60 modulo 64 and modulo 63, one bit each): a
--          pair with two values on one day has fewer bits set than values in both masks, so it
--          is always a candidate; a pair without can be one too (two days with the same bit in
--          both masks). Then only the candidates' values are grouped by day, and a pair is
--          kept when one of its days holds two values or more. Exact, so an extract with no
--          repeated day has none here and assessment_daily reads the values as they are
--          (DuckDB skips a join with an empty side: at a million courses the 56,583 candidates
--          of the synthetic clinic, none a repeat, had cost its four readers about 1 s).
--          Days lie in -60..730 (the contract's range, checked before the marts).
-- Grain: one row per course x instrument with a same-day duplicate.
-- Parameters: none. Reads staging/stg_assessments.sql; run by queries/data/loading.py before
-- marts/assessment_daily.sql, as a temporary table of the load's connection.

create or replace temp table assessment_repeats as
with masks as (
    select
        course_id,
        instrument,
        count(*) as n_values,
        bit_count(bit_or(1::ubigint << ((assessment_day + 60) % 64)::ubigint)) as n_bits_64,
        bit_count(bit_or(1::ubigint << ((assessment_day + 60) % 63)::ubigint)) as n_bits_63
    from stg_assessments
    group by course_id, instrument
),
candidates as (
    select course_id, instrument
    from masks
    where n_values > n_bits_64 and n_values > n_bits_63
),
repeated_days as (
    select a.course_id, a.instrument
    from stg_assessments as a
    semi join candidates as c using (course_id, instrument)
    group by a.course_id, a.instrument, a.assessment_day
    having count(*) > 1
),
final as (
    select distinct course_id, instrument
    from repeated_days
)
select * from final;
