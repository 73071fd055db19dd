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
-- Parameters: $windows (list of {window_name, target_day, half_width_days}), $ptga_scale,
--             $odi_min_drop_points, $odi_min_drop_fraction, $high_min_points,
--             $high_min_fraction, $moderate_min_points, $moderate_min_fraction,
--             $moderate_min_domains (queries/core/responders.py). Reads assessment_daily
--             (same-day duplicates averaged) and stg_courses.
-- Set-wise in one pass (issue 10): each course's values of the six instruments are pivoted once
-- per course (which it has, their baselines) and once per course and window (their follow-ups),
-- each keyed by course alone, and the domains' instruments are chosen from those columns
-- (WOMAC where the course has it, else KOOS), instead of grouping and joining on course x
-- definition x domain x instrument.
-- Used by: Patterns (the responder-definition switch, the landmark view), through
--          sql/analytics/secondary_responder_counts.sql and landmark_counts.sql.

insert into course_secondary_outcomes by name
with windows as (
    select unnest($windows, recursive := true)
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
by_course as (
    -- which of the six instruments a course has (any day), and each one's baseline: the
    -- latest value with day <= 0
    select
        course_id,
        count(*) filter (where instrument = 'odi') > 0 as has_odi,
        count(*) filter (where instrument = 'womac_pain') > 0 as has_womac_pain,
        count(*) filter (where instrument = 'koos_pain') > 0 as has_koos_pain,
        count(*) filter (where instrument = 'womac_function') > 0 as has_womac_function,
        count(*) filter (where instrument = 'koos_adl') > 0 as has_koos_adl,
        count(*) filter (where instrument = 'ptga') > 0 as has_ptga,
        arg_max(score, day) filter (where instrument = 'odi' and day <= 0) as odi_baseline,
        arg_max(score, day) filter (where instrument = 'womac_pain' and day <= 0)
            as womac_pain_baseline,
        arg_max(score, day) filter (where instrument = 'koos_pain' and day <= 0)
            as koos_pain_baseline,
        arg_max(score, day) filter (where instrument = 'womac_function' and day <= 0)
            as womac_function_baseline,
        arg_max(score, day) filter (where instrument = 'koos_adl' and day <= 0)
            as koos_adl_baseline,
        arg_max(score, day) filter (where instrument = 'ptga' and day <= 0) as ptga_baseline
    from domain_values
    group by course_id
),
window_values as (
    -- a value inside a window, with its nearness to the target day (macros.sql nearness)
    select
        v.course_id, w.window_name, v.instrument, v.score,
        nearness(v.day, w.target_day) as nearness
    from domain_values as v
    join window_days($windows) as w using (day)
),
by_window as (
    -- each instrument's follow-up in each window: its value of the smallest nearness
    select
        course_id,
        window_name,
        arg_min(score, nearness) filter (where instrument = 'odi') as odi_followup,
        arg_min(score, nearness) filter (where instrument = 'womac_pain') as womac_pain_followup,
        arg_min(score, nearness) filter (where instrument = 'koos_pain') as koos_pain_followup,
        arg_min(score, nearness) filter (where instrument = 'womac_function')
            as womac_function_followup,
        arg_min(score, nearness) filter (where instrument = 'koos_adl') as koos_adl_followup,
        arg_min(score, nearness) filter (where instrument = 'ptga') as ptga_followup
    from window_values
    group by course_id, window_name
),
course_windows as (
    select
        c.course_id,
        c.observed_days,
        w.window_name,
        w.target_day - w.half_width_days as window_first_day,
        w.target_day + w.half_width_days as window_last_day,
        b.* exclude (course_id),
        f.* exclude (course_id, window_name)
    from by_course as b
    join stg_courses as c using (course_id)
    cross join windows as w
    left join by_window as f on f.course_id = b.course_id and f.window_name = w.window_name
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
