-- course_secondary_outcomes.sql: what the secondary responders of methods.md section 1 are
-- computed from, once per load, wherever the extract holds their instruments: the view
-- course_secondary_outcomes (sql/meta/schema.sql) applies each definition (ODI, Ostelo 2008;
-- OMERACT-OARSI, Pham 2004), eligibility, response and not yet due to these two tables.
-- Purpose: secondary_thresholds: the definitions' thresholds (queries/core/responders.py);
--          course_secondary_values: per course that has a value of one of the six
--          instruments, per instrument it has its baseline (latest value with day <= 0) and
--          each window's follow-up (value nearest the window's target day inside the window,
--          the later one on a tie), all on 0-100 with higher = worse (KOOS reversed, the
--          patient global x $ptga_scale).
-- Grain: one row; one row per course with a value of the six instruments.
-- Parameters: $windows (the windows as {window_name, target_day, first_day, last_day}, in
--             the order of outcome_windows.slot: queries/data/loading.py build_marts),
--             $ptga_scale,
--             $odi_min_drop_points, $odi_min_drop_fraction, $high_min_points,
--             $high_min_fraction, $moderate_min_points, $moderate_min_fraction,
--             $moderate_min_domains (queries/core/responders.py). Reads assessment_daily
--             (same-day duplicates averaged) and stg_courses; run by queries/data/loading.py
--             after marts/course_outcomes.sql (which writes outcome_windows).
-- Set-wise (issue 10): the values are grouped once per course and instrument (its baseline, and
-- its follow-up in every window as one filtered aggregate per window: macros.sql nearest_in),
-- then once per course (the six instruments side by side). Grouping by course x window instead
-- made about 2 M groups of one or two values each, at a million courses 2.6 s of CPU against
-- about 0.7 s; and storing one row per course, not per course x definition x window, writes
-- half the values.
-- Used by: Patterns (the responder-definition switch, the landmark view), through the view
--          course_secondary_outcomes and sql/analytics/definition_responder_counts.sql.

insert into secondary_thresholds by name
select
    $odi_min_drop_points as odi_min_drop_points,
    $odi_min_drop_fraction as odi_min_drop_fraction,
    $high_min_points as high_min_points,
    $high_min_fraction as high_min_fraction,
    $moderate_min_points as moderate_min_points,
    $moderate_min_fraction as moderate_min_fraction,
    $moderate_min_domains as moderate_min_domains;

insert into course_secondary_values by name
with domain_values as (
    -- on 0-100, higher = worse: KOOS reversed, the patient global rescaled
    select
        course_id,
        day,
        instrument,
        case
            when instrument in ('koos_pain', 'koos_adl') then 100 - score
            when instrument = 'ptga' then score * $ptga_scale
            else score
        end as score
    from assessment_daily
    where instrument in ('odi', 'womac_pain', 'koos_pain', 'womac_function', 'koos_adl', 'ptga')
),
by_instrument as (
    -- one row per course and instrument it has (any day): the baseline (the latest value with
    -- day <= 0) and each window's follow-up (macros.sql nearest_in), as one struct
    select
        course_id,
        instrument,
        struct_pack(
            baseline := arg_max(score, day) filter (where day <= 0),
            followups := list_value(nearest_in(score, day, $windows[*]))
        ) as values
    from domain_values
    group by course_id, instrument
),
by_course as (
    -- the six instruments side by side, each one struct (NULL where the course has none)
    select
        course_id,
        any_value(values) filter (where instrument = 'odi') as odi,
        any_value(values) filter (where instrument = 'womac_pain') as womac_pain,
        any_value(values) filter (where instrument = 'koos_pain') as koos_pain,
        any_value(values) filter (where instrument = 'womac_function') as womac_function,
        any_value(values) filter (where instrument = 'koos_adl') as koos_adl,
        any_value(values) filter (where instrument = 'ptga') as ptga
    from by_instrument
    group by course_id
)
select course_id, observed_days, odi, womac_pain, koos_pain, womac_function, koos_adl, ptga
from by_course
join stg_courses using (course_id);
