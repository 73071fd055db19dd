-- definition_responder_counts.sql: responder counts per group by a chosen responder
-- definition (methods.md section 1: IMMPACT on NRS pain, ODI, OMERACT-OARSI), optionally
-- among the courses still in care at the landmark day only (section 2: the landmark view).
-- Purpose: the numerators and denominators of a rate by any definition: courses measured
--          with the definition's instruments (every course for IMMPACT), no baseline, low
--          baseline (no room to improve), eligible, with a follow-up value in the window,
--          responders, and not yet due (the window had not closed by the extract; in none
--          of the others). SQL counts; queries/stats/intervals.py computes the intervals.
-- Grain: one row per group_value x group_value_2 (group_value_2 = 'all' for one-way tables).
-- Parameters: $scope (scope and filters, see macros.sql), $by, $by_2 (whitelisted grouping
--             keys, see macros.sql group_value), $window (follow-up window name),
--             $definition ('immpact': marts/course_outcomes.sql; 'odi', 'omeract_oarsi':
--             marts/course_secondary_outcomes.sql), $landmark_only (true: only the courses
--             with is_in_care_at_landmark, marts/course_facts.sql).
-- Used by: Patterns (the responder-definition switch, the landmark view), through
--          queries/analytics/secondary.py and queries/analytics/landmark.py.

with outcomes as (
    select course_id, has_baseline, is_not_yet_due, is_eligible, has_followup, is_responder
    from course_outcomes
    where $definition = 'immpact' and window_name = $window
    union all
    select course_id, has_baseline, is_not_yet_due, is_eligible, has_followup, is_responder
    from course_secondary_outcomes
    where definition = $definition and window_name = $window
),
measured as (
    select g.group_value, g.group_value_2, o.*
    from grouped_courses($scope, $by, $by_2) as g
    join outcomes as o on o.course_id = g.course_id
    where g.is_in_care_at_landmark or not $landmark_only
),
final as (
    select
        group_value,
        group_value_2,
        count(*) as n_courses,
        count(*) filter (where is_not_yet_due) as n_not_yet_due,
        count(*) filter (where not (is_not_yet_due or has_baseline)) as n_no_baseline,
        count(*) filter (
            where has_baseline and not (is_not_yet_due or is_eligible)
        ) as n_low_baseline,
        count(*) filter (where is_eligible) as n_eligible,
        count(*) filter (where is_eligible and has_followup) as n_followup,
        count(*) filter (where is_eligible and is_responder) as n_responders
    from measured
    group by group_value, group_value_2
)
select * from final
order by group_value, group_value_2;
