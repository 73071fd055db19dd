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
-- Used by: Patterns (the responder-definition switch, the landmark view), through
--          sql/analytics/secondary_responder_counts.sql and landmark_counts.sql.

insert into course_secondary_outcomes by name
with windows as (
    select unnest($windows, recursive := true)
),
domain_values as (
    select
        course_id,
        day,
        instrument::varchar as instrument,
        case when instrument = 'odi' then 'odi' else 'omeract_oarsi' end as definition,
        case
            when instrument in ('womac_pain', 'koos_pain') then 'pain'
            when instrument in ('odi', 'womac_function', 'koos_adl') then 'function'
            else 'global'
        end as domain,
        case
            when instrument in ('koos_pain', 'koos_adl') then 100 - score
            when instrument = 'ptga' then score * $ptga_scale
            else score
        end as score
    from assessment_daily
    where instrument in ('odi', 'womac_pain', 'koos_pain', 'womac_function', 'koos_adl', 'ptga')
),
chosen_instruments as (
    select
        course_id,
        definition,
        domain,
        arg_min(instrument, case when instrument like 'koos_%' then 1 else 0 end) as instrument
    from domain_values
    group by course_id, definition, domain
),
chosen_values as (
    select v.*
    from domain_values as v
    join chosen_instruments as c using (course_id, definition, domain, instrument)
),
baselines as (
    select course_id, definition, domain, arg_max(score, day) as baseline_score
    from chosen_values
    where day <= 0
    group by course_id, definition, domain
),
followups as (
    -- nearest the target day, the later one on a tie: the smallest [distance, -day]
    select
        w.window_name, v.course_id, v.definition, v.domain,
        arg_min(v.score, [abs(v.day - w.target_day), -v.day]) as followup_score
    from windows as w
    join chosen_values as v
        on v.day between w.target_day - w.half_width_days and w.target_day + w.half_width_days
    group by all
),
course_windows as (
    select distinct
        c.course_id, c.observed_days, d.definition, w.window_name,
        w.target_day - w.half_width_days as window_first_day,
        w.target_day + w.half_width_days as window_last_day
    from stg_courses as c
    join chosen_instruments as d using (course_id)
    cross join windows as w
),
domains as (
    select
        cw.course_id, cw.observed_days, cw.definition, cw.window_name, cw.window_first_day,
        cw.window_last_day, i.domain, i.instrument, b.baseline_score, f.followup_score
    from course_windows as cw
    join chosen_instruments as i using (course_id, definition)
    left join baselines as b using (course_id, definition, domain)
    left join followups as f using (window_name, course_id, definition, domain)
),
pivoted as (
    select
        course_id, observed_days, definition, window_name, window_first_day, window_last_day,
        any_value(instrument) filter (where domain = 'pain') as pain_instrument,
        any_value(instrument) filter (where domain = 'function') as function_instrument,
        any_value(baseline_score) filter (where domain = 'pain') as pain_baseline,
        any_value(followup_score) filter (where domain = 'pain') as pain_followup,
        any_value(baseline_score) filter (where domain = 'function') as function_baseline,
        any_value(followup_score) filter (where domain = 'function') as function_followup,
        any_value(baseline_score) filter (where domain = 'global') as global_baseline,
        any_value(followup_score) filter (where domain = 'global') as global_followup
    from domains
    group by all
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
