-- count_replaced.sql: how many courses of the extract are already in the old database (and
-- will be replaced by course_id). Grain: one row. Parameters: none; reads the attached `old`
-- database and the registered extract_course_ids. Used by: queries/data/loading.py.

with final as (
    select count(*) as n_replaced
    from old.courses as o
    semi join extract_course_ids as n using (course_id)
)
select * from final;
