-- course_casemix_clear.sql: no model stored (the clinic cannot be fitted, or the fit failed):
-- the rows marts/course_casemix.sql wrote for it go, so the table holds only fitted courses.
-- Parameters: none. Run by queries/data/casemix_mart.py (build_casemix_mart).

delete from course_casemix;
