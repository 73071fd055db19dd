-- stream_adverse_events.sql: the extract's adverse_events file streamed from its CSV into the
-- adverse_events table, every value typed and checked on the way by the macros of
-- meta/stream_macros.sql (an enum by the column's type, a required value by its NOT NULL).
-- Any value the careful path would refuse raises.
-- Reads the view stream_adverse_events_text (queries/data/streaming.py: the file's columns as
-- text in contract order, an optional column left out of the header as NULL).
-- Grain: one row per adverse event. Parameters: $rules (streaming.stream_rules).
-- Used by: queries/data/streaming.py.

insert into adverse_events by name
with final as (
    select
        t.course_id as course_id,
        stream_int(t.session_number, $rules, $rules.session_number) as session_number,
        stream_int(t.day, $rules, $rules.day) as day,
        t.event as event,
        t.seriousness as seriousness
    from stream_adverse_events_text as t
)
select * from final;
