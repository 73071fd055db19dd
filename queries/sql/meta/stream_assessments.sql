-- stream_assessments.sql: the extract's assessments file streamed from its CSV into the
-- assessments table, every value typed and checked on the way by the macros of
-- meta/stream_macros.sql (an enum by the column's type, a required value by its NOT NULL).
-- Any value the careful path would refuse raises.
-- The score's range is its instrument's (contract.INSTRUMENT_RANGES).
-- Reads the view stream_assessments_text (queries/data/streaming.py: the file's columns as
-- text in contract order, an optional column left out of the header as NULL).
-- Grain: one row per outcome measurement. Parameters: $rules (streaming.stream_rules).
-- Used by: queries/data/streaming.py.

insert into assessments by name
with final as (
    select
        t.course_id as course_id,
        stream_int(t.day, $rules, $rules.day) as day,
        t.instrument as instrument,
        stream_decimal(t.score, $rules, r.score_range) as score
    from stream_assessments_text as t
    left join (select unnest($rules.score_ranges) as score_range) as r
        on r.score_range.instrument = t.instrument
)
select * from final;
