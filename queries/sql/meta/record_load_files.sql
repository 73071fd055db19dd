-- record_load_files.sql: record the files of one load with their SHA-256 and row counts,
-- from the registered incoming_files frame. Parameters: none. Used by: queries/data/loading.py.

insert into load_files by name select * from incoming_files;
