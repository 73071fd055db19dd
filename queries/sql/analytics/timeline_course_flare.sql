-- timeline_course_flare.sql: early flare and quitting, course by course (methods.md section 5).
-- Purpose: per started course: the flare flags computed once per load in course_facts
--          (marts/course_facts.sql: NRS rise on day 1..10 or a post_injection_flare event,
--          early quit, quit after flare) with the primary-window outcome
--          (responder / non_responder / no_followup / not_eligible) from course_outcomes.
-- Grain: one row per course with at least one session (in scope).
-- Parameters: $scope (scope and filters, see macros.sql), $window.
-- Used by: queries/analytics/flare.py flare_courses (course by course, for the tests); the
--          Timeline page counts the same courses set-wise (timeline_flare_counts.sql).

with started as (
    select
        course_id,
        provider_id,
        expectations::varchar as expectations,
        planned_sessions,
        n_sessions_completed,
        baseline_score,
        has_nrs_flare,
        has_flare_event,
        is_early_quit,
        is_eligible,
        has_followup,
        coalesce(is_responder, false) as is_responder,
        case
            when not is_eligible then 'not_eligible'
            when not has_followup then 'no_followup'
            when is_responder then 'responder'
            else 'non_responder'
        end as outcome,
        is_early_flare,
        is_quit_after_flare
    from scoped_outcomes($scope, $window)
    where n_sessions_completed >= 1
),
final as (
    select
        *,
        case
            when not is_early_flare then 'no_flare'
            when is_early_quit then 'flare_quit'
            else 'flare_continued'
        end as flare_path
    from started
)
select * from final
order by course_id;
