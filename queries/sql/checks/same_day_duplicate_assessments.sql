-- same_day_duplicate_assessments.sql: more than one value of one instrument on one day for a
-- course (they are averaged by marts/assessment_daily.sql and kept by
-- marts/assessment_duplicates.sql; listed so the clinic can fix them).
-- Grain: one row per course x instrument x day. Parameters: none. Zero rows = pass.

with final as (
    select course_id, instrument::varchar as instrument, day, n_values
    from assessment_duplicates
)
select * from final order by course_id, instrument, day;
