-- stream_rules.sql: the data contract's rules across rows and files, counted over the tables a
-- streamed read just filled (queries/data/streaming.py), as validation.py states them: every
-- file but adverse_events has rows; each course_id is in courses once (counted here rather
-- than kept by a key's index: schema.sql); a severity_grade is one of its scale's grades (none for
-- the scale none); every course_id of sessions, assessments and adverse_events is in courses;
-- a course's sessions are numbered 1..n once each, session 1 is on day 0, and the days increase
-- with session_number. Any count above 0 sends the load to the careful path, which names every
-- broken row with its file and line.
-- Grain: one row. Parameters: $grades (list of {scale, grade}: contract.SEVERITY_GRADES_BY_SCALE).
-- Used by: queries/data/streaming.py, on the loader's connection before anything else is added.

with allowed_grades as (
    select unnest($grades, recursive := true)
),
sessions_in_order as (
    -- each course's sessions by session_number: numbered 1..n once each exactly when every
    -- row's rank is its number
    select
        session_number,
        day,
        row_number() over by_number as rank_in_course,
        lag(day) over by_number as previous_day
    from sessions
    window by_number as (partition by course_id order by session_number)
),
final as (
    select
        (select count(*) = 0 from courses)::int as no_courses,
        (select count(*) = 0 from sessions)::int as no_sessions,
        (select count(*) = 0 from assessments)::int as no_assessments,
        (select count(*) - count(distinct course_id) from courses) as repeated_course_ids,
        (
            select count(*)
            from courses as c
            anti join allowed_grades as g
                on g.scale = c.severity_scale::varchar and g.grade = c.severity_grade
            where c.severity_grade is not null
        ) as bad_grades,
        (select count(*) from sessions anti join courses using (course_id)) as unknown_in_sessions,
        (select count(*) from assessments anti join courses using (course_id))
            as unknown_in_assessments,
        (select count(*) from adverse_events anti join courses using (course_id))
            as unknown_in_adverse_events,
        (
            select count(*)
            from sessions_in_order
            where session_number <> rank_in_course
                or (session_number = 1 and day <> 0)
                or day <= previous_day
        ) as bad_sessions
)
select * from final;
