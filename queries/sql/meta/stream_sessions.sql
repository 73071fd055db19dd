-- stream_sessions.sql: the extract's sessions file streamed from its CSV into the
-- sessions table, every value typed and checked on the way by the macros of
-- meta/stream_macros.sql (an enum by the column's type, a required value by its NOT NULL).
-- Any value the careful path would refuse raises.
-- The numbering and the days are checked by meta/stream_rules.sql.
-- Reads the view stream_sessions_text (queries/data/streaming.py: the file's columns as
-- text in contract order, an optional column left out of the header as NULL).
-- Grain: one row per session delivered. Parameters: $rules (streaming.stream_rules).
-- Used by: queries/data/streaming.py.

insert into sessions by name
with final as (
    select
        t.course_id as course_id,
        stream_int(t.session_number, $rules, $rules.session_number) as session_number,
        stream_int(t.day, $rules, $rules.day) as day,
        stream_decimal(t.concentration_ug_ml, $rules, $rules.concentration_ug_ml) as concentration_ug_ml,
        stream_decimal(t.volume_ml, $rules, $rules.volume_ml) as volume_ml
    from stream_sessions_text as t
)
select * from final;
