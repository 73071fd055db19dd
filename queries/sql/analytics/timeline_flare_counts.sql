-- timeline_flare_counts.sql: early flare, quitting and what came of it, counted set-wise
-- (methods.md section 5; issue 10: aggregated rows, not one per course).
-- Purpose: the started courses in scope (at least one session) counted per combination of
--          expectations, the flare flags computed once per load in course_facts (NRS rise,
--          flare event, early flare, early quit, quit after flare), the flare path
--          (flare_continued / flare_quit / no_flare) and the primary-window outcome
--          (responder / non_responder / no_followup / not_eligible, from course_outcomes).
--          The same courses and definitions as timeline_course_flare.sql, summed;
--          queries/analytics/flare.py adds the rates, intervals and flow links.
-- Grain: one row per combination present (a few dozen rows at most).
-- Parameters: $scope (scope and filters, see macros.sql), $window.
-- Used by: Timeline page (flare and quitting, flow), queries/analytics/flare.py
--          flare_counts, flare_summary, flare_flow.

with started as (
    select
        expectations::varchar as expectations,
        has_nrs_flare,
        has_flare_event,
        is_early_flare,
        is_early_quit,
        is_quit_after_flare,
        case
            when not is_early_flare then 'no_flare'
            when is_early_quit then 'flare_quit'
            else 'flare_continued'
        end as flare_path,
        case
            when not is_eligible then 'not_eligible'
            when not has_followup then 'no_followup'
            when is_responder then 'responder'
            else 'non_responder'
        end as outcome
    from scoped_outcomes($scope, $window)
    where n_sessions_completed >= 1
),
final as (
    select
        expectations,
        has_nrs_flare,
        has_flare_event,
        is_early_flare,
        is_early_quit,
        is_quit_after_flare,
        flare_path,
        outcome,
        count(*) as n_courses
    from started
    group by all
)
select * from final
order by all;
