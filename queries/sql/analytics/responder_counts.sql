-- responder_counts.sql: responder counts per group (methods.md sections 1-2).
-- Purpose: the numerators and denominators behind every responder rate: courses, eligible
--          (baseline >= 3), with a follow-up value in the window, responders, substantial
--          responders, and the courses left out ("no baseline", "low baseline", and "not
--          yet due": the window had not closed by the extract, methods.md section 1). Every
--          course falls in exactly one of n_not_yet_due, n_no_baseline, n_low_baseline and
--          n_eligible (not yet due first: such a course is in no denominator of the window).
--          SQL counts; queries/stats/intervals.py computes rates and intervals.
-- Grain: one row per group_value x group_value_2 (group_value_2 = 'all' for one-way tables).
-- Parameters: $scope (scope and filters, see macros.sql), $by, $by_2 (whitelisted
--             grouping keys, see macros.sql group_value), $window (follow-up window name).
-- Used by: rates CLI, Overview, Patterns (bars and heat maps).

with final as (
    select
        group_value,
        group_value_2,
        count(*) as n_courses,
        count(*) filter (where not is_not_yet_due and not has_baseline) as n_no_baseline,
        count(*) filter (
            where not is_not_yet_due and has_baseline and not is_eligible
        ) as n_low_baseline,
        count(*) filter (where is_eligible) as n_eligible,
        count(*) filter (where is_eligible and has_followup) as n_followup,
        count(*) filter (where is_responder) as n_responders,
        count(*) filter (where is_substantial_responder) as n_substantial_responders,
        count(*) filter (where is_not_yet_due) as n_not_yet_due
    from grouped_outcomes($scope, $by, $by_2, $window)
    group by group_value, group_value_2
)
select * from final
order by group_value, group_value_2;
