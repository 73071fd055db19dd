-- course_secondary_outcomes.sql: the secondary responders of methods.md section 1, computed
-- once per load, wherever the extract holds their instruments.
-- Purpose: per course that has a value of a definition's instruments, baseline (latest value
--          with day <= 0) and follow-up (value nearest the window's target day inside the
--          window, the later one on a tie) of each domain, all on 0-100 with higher = worse,
--          then eligibility and response:
--          * odi (spine; Ostelo 2008): the ODI (function_*); eligible = a baseline above 0
--            (room to improve); responder = drop >= $odi_min_drop_points OR drop >=
--            $odi_min_drop_fraction of baseline.
--          * omeract_oarsi (knee/hip; Pham 2004): pain = WOMAC pain, else 100 - KOOS pain;
--            function = WOMAC function, else 100 - KOOS ADL (WOMAC where the course has it);
--            global = ptga x $ptga_scale (0-10 -> 0-100). Eligible = a baseline of all
--            three; follow-up = a value of all three in the window; responder = pain or
--            function improved >= $high_min_fraction and >= $high_min_points, OR at least
--            $moderate_min_domains of pain, function, global improved >= $moderate_min_fraction
--            and >= $moderate_min_points.
--          Not yet due (methods.md section 1): observed_days < the window's last day; such a
--          course is never eligible (it leaves every denominator) and is counted on its own.
--          A 1e-9 tolerance keeps exact thresholds exact under floating point.
-- Grain: one row per course x definition x follow-up window (only courses with a value of
--        the definition's instruments).
-- Parameters: $windows (list of {window_name, target_day, half_width_days}), $followup_slots
--             (the same windows as {target_day, first_day, last_day}, in that order:
--             queries/data/loading.py build_marts), $ptga_scale,
--             $odi_min_drop_points, $odi_min_drop_fraction, $high_min_points,
--             $high_min_fraction, $moderate_min_points, $moderate_min_fraction,
--             $moderate_min_domains (queries/core/responders.py). Reads assessment_daily
--             (same-day duplicates averaged) and stg_courses.
-- Set-wise (issue 10): the values are grouped once per course and instrument (its baseline, and
-- its follow-up in every window as one filtered aggregate per window: macros.sql nearest_in),
-- then once per course (the six instruments side by side), and the domains' instruments are
-- chosen from those columns (WOMAC where the course has it, else KOOS). Grouping by course x
-- window instead made about 2 M groups of one or two values each, at a million courses 2.6 s
-- of CPU against about 0.7 s.
-- Used by: Patterns (the responder-definition switch, the landmark view), through
--          sql/analytics/secondary_responder_counts.sql and landmark_counts.sql.

insert into course_secondary_outcomes by name
with windows as (
    -- slot k is the k-th window: the k-th element of by_instrument's follow-ups
    select unnest($windows, recursive := true), generate_subscripts($windows, 1) as slot
),
domain_values as (
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
            followups := list_value(nearest_in(score, day, $followup_slots[*]))
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
),
course_windows as (
    select
        c.course_id,
        c.observed_days,
        w.window_name,
        w.target_day - w.half_width_days as window_first_day,
        w.target_day + w.half_width_days as window_last_day,
        b.odi is not null as has_odi,
        b.womac_pain is not null as has_womac_pain,
        b.koos_pain is not null as has_koos_pain,
        b.womac_function is not null as has_womac_function,
        b.koos_adl is not null as has_koos_adl,
        b.ptga is not null as has_ptga,
        b.odi.baseline as odi_baseline,
        b.womac_pain.baseline as womac_pain_baseline,
        b.koos_pain.baseline as koos_pain_baseline,
        b.womac_function.baseline as womac_function_baseline,
        b.koos_adl.baseline as koos_adl_baseline,
        b.ptga.baseline as ptga_baseline,
        b.odi.followups[w.slot] as odi_followup,
        b.womac_pain.followups[w.slot] as womac_pain_followup,
        b.koos_pain.followups[w.slot] as koos_pain_followup,
        b.womac_function.followups[w.slot] as womac_function_followup,
        b.koos_adl.followups[w.slot] as koos_adl_followup,
        b.ptga.followups[w.slot] as ptga_followup
    from by_course as b
    join stg_courses as c using (course_id)
    cross join windows as w
),
pivoted as (
    select
        course_id, observed_days, 'odi' as definition, window_name, window_first_day,
        window_last_day,
        null::varchar as pain_instrument,
        'odi' as function_instrument,
        null::double as pain_baseline,
        null::double as pain_followup,
        odi_baseline as function_baseline,
        odi_followup as function_followup,
        null::double as global_baseline,
        null::double as global_followup
    from course_windows
    where has_odi
    union all
    select
        course_id, observed_days, 'omeract_oarsi' as definition, window_name, window_first_day,
        window_last_day,
        case when has_womac_pain then 'womac_pain' when has_koos_pain then 'koos_pain' end
            as pain_instrument,
        case
            when has_womac_function then 'womac_function' when has_koos_adl then 'koos_adl'
        end as function_instrument,
        case when has_womac_pain then womac_pain_baseline else koos_pain_baseline end
            as pain_baseline,
        case when has_womac_pain then womac_pain_followup else koos_pain_followup end
            as pain_followup,
        case when has_womac_function then womac_function_baseline else koos_adl_baseline end
            as function_baseline,
        case when has_womac_function then womac_function_followup else koos_adl_followup end
            as function_followup,
        ptga_baseline as global_baseline,
        ptga_followup as global_followup
    from course_windows
    where has_womac_pain or has_koos_pain or has_womac_function or has_koos_adl or has_ptga
),
available as (
    select
        *,
        case definition
            when 'odi' then function_baseline is not null
            else pain_baseline is not null and function_baseline is not null
                and global_baseline is not null
        end as has_baseline,
        case definition
            when 'odi' then function_followup is not null
            else pain_followup is not null and function_followup is not null
                and global_followup is not null
        end as has_followup,
        coalesce(observed_days < window_last_day, false) as is_not_yet_due
    from pivoted
),
eligible as (
    select
        * exclude (observed_days),
        has_baseline and not is_not_yet_due
            and (definition <> 'odi' or function_baseline > 0) as is_eligible,
        pain_baseline - pain_followup as pain_drop,
        function_baseline - function_followup as function_drop,
        global_baseline - global_followup as global_drop
    from available
),
final as (
    select
        * exclude (pain_drop, function_drop, global_drop),
        case when is_eligible and has_followup then
            case definition
                when 'odi' then
                    function_drop >= $odi_min_drop_points - 1e-9
                    or function_drop >= $odi_min_drop_fraction * function_baseline - 1e-9
                else
                    (pain_drop >= $high_min_points - 1e-9
                        and pain_drop >= $high_min_fraction * pain_baseline - 1e-9)
                    or (function_drop >= $high_min_points - 1e-9
                        and function_drop >= $high_min_fraction * function_baseline - 1e-9)
                    or (pain_drop >= $moderate_min_points - 1e-9
                        and pain_drop >= $moderate_min_fraction * pain_baseline - 1e-9)::int
                    + (function_drop >= $moderate_min_points - 1e-9
                        and function_drop >= $moderate_min_fraction * function_baseline
                            - 1e-9)::int
                    + (global_drop >= $moderate_min_points - 1e-9
                        and global_drop >= $moderate_min_fraction * global_baseline - 1e-9)::int
                    >= $moderate_min_domains
            end
        end as is_responder
    from eligible
)
select * from final;
