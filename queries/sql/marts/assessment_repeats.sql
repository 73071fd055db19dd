-- assessment_repeats.sql: the course x instrument pairs that may hold two values on one day,
-- found without grouping by day (issue 10: a million courses).
-- Purpose: marts/assessment_daily.sql averages same-day duplicates; grouping all 17 M
--          assessments by course x instrument x day, nearly one group per value, was its
--          whole cost. A pair is kept here when its values cannot all be on different days by
--          two masks of their days (day + 60 modulo 64 and modulo 63, one bit each): a pair
--          with two values on one day has fewer bits set than values in both masks, so it is
--          always kept; a pair without can be kept too (two days with the same bit in both
--          masks), which only sends it through the averaging, whose result is then its own
--          values. Days lie in -60..730 (the contract's range, checked before the marts).
-- Grain: one row per course x instrument that may hold a same-day duplicate.
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
final as (
    select course_id, instrument
    from masks
    where n_values > n_bits_64 and n_values > n_bits_63
)
select * from final;
