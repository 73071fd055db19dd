-- copy_kept_rows.sql: copy from the attached old database every row of the courses that the
-- new extract does not contain (a newer extract replaces courses by course_id and keeps the
-- others), and the whole load history. Derived marts are not copied: they are recomputed.
-- Columns are matched by name, so a file built before an optional column was added (schema
-- upgrade) is copied with that column empty (NULL).
-- Parameters: none; reads `old` and the registered extract_course_ids.
-- Used by: queries/data/loading.py, inside the new database file before it is swapped in.

insert into courses by name
select * from old.courses anti join extract_course_ids using (course_id);

insert into sessions by name
select * from old.sessions anti join extract_course_ids using (course_id);

insert into assessments by name
select * from old.assessments anti join extract_course_ids using (course_id);

insert into adverse_events by name
select * from old.adverse_events anti join extract_course_ids using (course_id);

insert into load_history by name select * from old.load_history;

insert into load_files by name select * from old.load_files;
