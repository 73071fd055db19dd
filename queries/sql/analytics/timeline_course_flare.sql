-- timeline_course_flare.sql: early flare and quitting, course by course (methods.md section 5).
-- Purpose: per started course: the flare flags computed once per load in course_facts
--          (marts/course_facts.sql: NRS rise on day 1..10 or a post_injection_flare event,
--          early quit, quit after flare) with the primary-window outcome
--          (responder / non_responder / no_followup / not_eligible) from course_outcomes.
-- Grain: one row per course with at least one session (in scope).
-- Parameters: $window, $scope_provider_id, $year_min, $year_max, $site_ids,
--             $indication_ids, $route_ids (scope and filters, see macros.sql).
-- Used by: Timeline page (flare and quitting, flow), queries/timeline.py flare_courses,
--          flare_summary, flare_flow.

with scoped as (
    select *
    from scoped_courses($scope_provider_id, $year_min, $year_max, $site_ids,
                        $indication_ids, $route_ids)
),
started as (
    select *
    from scoped
    where sessions_completed >= 1
),
joined as (
    select
        s.course_id,
        s.provider_id,
        s.expectations::varchar as expectations,
        s.planned_sessions,
        s.sessions_completed,
        o.baseline_score,
        s.has_nrs_flare,
        s.has_flare_event,
        s.is_early_quit,
        o.is_eligible,
        o.has_followup,
        coalesce(o.is_responder, false) as is_responder,
        case
            when not o.is_eligible then 'not_eligible'
            when not o.has_followup then 'no_followup'
            when o.is_responder then 'responder'
            else 'non_responder'
        end as outcome,
        s.is_early_flare,
        s.quit_after_flare as is_quit_after_flare
    from started as s
    join course_outcomes as o
        on o.course_id = s.course_id and o.window_name = $window
),
final as (
    select
        *,
        case
            when not is_early_flare then 'no_flare'
            when is_early_quit then 'flare_quit'
            else 'flare_continued'
        end as flare_path
    from joined
)
select * from final
order by course_id;
