-- attach_old.sql: attach the current database read-only as `old`, to copy the rows a new
-- extract keeps. Parameters: $path. Used by: queries/data/loading.py.

attach $path as old (read_only);
