-- safety_screening_exceptions.sql: the courses behind the screening indicator
-- (methods.md section 5).
-- Purpose: every course given without a contraindication screen ('not_screened') or with a
--          contraindication (anything but 'none'), for review.
-- Grain: one row per such course (in scope).
-- Parameters: $scope_provider_id, $year_min, $year_max, $site_ids, $indication_ids,
--             $route_ids (scope and filters, see macros.sql).
-- Used by: Safety & screening page, queries/timeline.py screening_exceptions.

with scoped as (
    select *
    from scoped_courses($scope_provider_id, $year_min, $year_max, $site_ids,
                        $indication_ids, $route_ids)
),
final as (
    select
        course_id,
        provider_id,
        contraindication::varchar as contraindication,
        sessions_completed,
        g6pd_tested
    from scoped
    where contraindication <> 'none'
)
select * from final
order by course_id;
