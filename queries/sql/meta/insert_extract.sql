-- insert_extract.sql: write the checked, typed extract (registered as incoming_<file> frames)
-- into the contract tables. Columns are matched by name; the DDL's enums, checks and keys are a
-- second line of defence behind queries/data/validation.py.
-- Parameters: none. Used by: queries/data/loading.py.

insert into courses by name select * from incoming_courses;

insert into sessions by name select * from incoming_sessions;

insert into assessments by name select * from incoming_assessments;

insert into adverse_events by name select * from incoming_adverse_events;
