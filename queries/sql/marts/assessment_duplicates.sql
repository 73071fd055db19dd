-- assessment_duplicates.sql: the days on which a course has more than one value of one
-- instrument (they were averaged by marts/assessment_daily.sql), kept in the database for the
-- Data page's check (checks/same_day_duplicate_assessments.sql).
-- Grain: one row per course x instrument x day with n_values > 1. Parameters: none.
-- Run by queries/data/loading.py after the other marts, before the load's temporary
-- assessment_daily is dropped.

insert into assessment_duplicates by name
with final as (
    select course_id, instrument, day, n_values
    from assessment_daily
    where n_values > 1
)
select * from final;

drop view assessment_daily;
