-- stream_courses.sql: the extract's courses file streamed from its CSV into the
-- courses table, every value typed and checked on the way by the macros of
-- meta/stream_macros.sql (an enum by the column's type, a required value by its NOT NULL, a
-- unique course_id by the key).
-- Any value the careful path would refuse raises.
-- severity_grade is checked against its scale by meta/stream_rules.sql.
-- Reads the view stream_courses_text (queries/data/streaming.py: the file's columns as
-- text in contract order, an optional column left out of the header as NULL).
-- Grain: one row per course. Parameters: $rules (streaming.stream_rules).
-- Used by: queries/data/streaming.py.

insert into courses by name
with final as (
    select
        stream_text(t.course_id, $rules) as course_id,
        stream_text(t.patient_id, $rules) as patient_id,
        stream_text(t.site_id, $rules) as site_id,
        stream_text(t.provider_id, $rules) as provider_id,
        stream_int(t.start_year, $rules, $rules.start_year) as start_year,
        stream_int(t.start_quarter, $rules, $rules.start_quarter) as start_quarter,
        t.age_band as age_band,
        t.sex as sex,
        t.indication as indication,
        t.route as route,
        t.severity_scale as severity_scale,
        t.severity_grade as severity_grade,
        stream_bool(t.end_stage, $rules) as end_stage,
        stream_int(t.symptom_months, $rules, $rules.symptom_months) as symptom_months,
        stream_int(t.planned_sessions, $rules, $rules.planned_sessions) as planned_sessions,
        t.rehab as rehab,
        stream_bool(t.lifestyle_support, $rules) as lifestyle_support,
        t.expectations as expectations,
        t.contraindication as contraindication,
        stream_bool(t.g6pd_tested, $rules) as g6pd_tested,
        stream_bool(t.overtraining_reported, $rules) as overtraining_reported,
        stream_bool(t.early_antioxidants_reported, $rules) as early_antioxidants_reported,
        stream_int(t.escalated_day, $rules, $rules.escalated_day) as escalated_day,
        stream_decimal(t.course_price, $rules, $rules.course_price) as course_price,
        stream_int(t.observed_days, $rules, $rules.observed_days) as observed_days
    from stream_courses_text as t
)
select * from final;
