-- extract_course_ids.sql: the course ids of a streamed extract (queries/data/streaming.py),
-- taken from the courses table before the kept courses of the old database are copied in;
-- meta/count_replaced.sql and meta/copy_kept_rows.sql read it.
-- Grain: one row per course of the extract. Parameters: none. Used by: queries/data/loading.py.

create temp table extract_course_ids as
select course_id from courses;
