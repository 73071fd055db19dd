-- schema.sql: the data contract (../shared/docs/data-contract.md) as DuckDB DDL, plus the
-- derived marts computed once per load and the load history.
-- Grain: courses one row per course; sessions one row per session delivered; assessments one
-- row per outcome measurement; adverse_events one row per event.
-- Parameters: none. Run by queries/data/loading.py on every new database file (then the
-- staging views of sql/staging/ and the marts of sql/marts/ are built on these tables).
-- tests/test_docs_true.py checks these columns against the markdown contract.
-- Keys: none on the contract's tables. Their keys (one row per course_id in courses, one
-- session per course and number, every course_id known in courses) are checked by
-- queries/data/validation.py with line numbers before anything is written, or counted over
-- the streamed tables by meta/stream_rules.sql (any break sends the load to that careful
-- path); the marts' grains hold by construction (group by). DuckDB keeps a key's index in
-- memory and checks it row by row: at a million courses that cost more memory than the load's
-- limit, and courses.course_id's key alone kept the streamed courses on one thread, 0.7 s of
-- the load (issue 10).

create type age_band as enum ('18-29', '30-39', '40-49', '50-59', '60-69', '70-79', '80-89', '90+');
create type sex as enum ('female', 'male', 'other', 'unknown');
create type indication as enum ('knee_oa', 'hip_oa', 'shoulder', 'lumbar_disc_herniation',
    'low_back_pain', 'neck_pain', 'tendinopathy', 'other');
create type route as enum ('intra_articular', 'periarticular', 'paravertebral', 'intradiscal',
    'intramuscular', 'major_autohemotherapy', 'rectal_insufflation', 'topical');
create type severity_scale as enum ('kl', 'pfirrmann', 'clinician', 'none');
create type rehab as enum ('none', 'home_program', 'supervised_pt');
create type expectations as enum ('realistic', 'unrealistic', 'unknown');
create type contraindication as enum ('none', 'g6pd_deficiency', 'pregnancy',
    'bleeding_disorder', 'hyperthyroidism', 'other', 'not_screened');
create type instrument as enum ('nrs_pain', 'odi', 'womac_pain', 'womac_function',
    'koos_pain', 'koos_adl', 'ptga', 'pgic', 'rom_degrees');
create type adverse_event as enum ('post_injection_flare', 'swelling', 'soreness', 'fatigue',
    'headache', 'erythema', 'vasovagal', 'infection', 'other');
create type seriousness as enum ('mild', 'moderate', 'serious');
create type severity_class as enum ('none', 'mild', 'moderate', 'severe', 'end_stage', 'unknown');
create type adherence_class as enum ('not_started', 'one_and_done', 'partial', 'full_protocol');

create table courses (
    course_id varchar not null,
    patient_id varchar not null,
    site_id varchar not null,
    provider_id varchar not null,
    start_year integer not null,
    start_quarter integer,
    age_band age_band not null,
    sex sex not null,
    indication indication not null,
    route route not null,
    severity_scale severity_scale not null,
    severity_grade varchar,
    end_stage boolean,
    symptom_months integer,
    planned_sessions integer not null,
    rehab rehab not null,
    lifestyle_support boolean not null,
    expectations expectations not null,
    contraindication contraindication not null,
    g6pd_tested boolean,
    overtraining_reported boolean,
    early_antioxidants_reported boolean,
    escalated_day integer,
    course_price decimal(12, 2),
    observed_days integer
);

create table sessions (
    course_id varchar not null,
    session_number integer not null,
    day integer not null,
    concentration_ug_ml double not null,
    volume_ml double not null
);

create table assessments (
    course_id varchar not null,
    day integer not null,
    instrument instrument not null,
    score double not null
);

create table adverse_events (
    course_id varchar not null,
    session_number integer,
    day integer not null,
    event adverse_event not null,
    seriousness seriousness not null
);

-- Derived, one row per course x instrument x day that has more than one value: the days
-- whose values were averaged (a documented choice: the contract does not forbid same-day
-- duplicates and they must not pick a winner by file order), listed for the Data page's
-- check. The daily values themselves (sql/marts/assessment_daily.sql) live only while a load
-- computes the marts (issue 10: writing 17 M daily rows at a million courses cost more than
-- all the marts that read them); every outcome, flare, trajectory and durability mart reads
-- its scores from them.
create table assessment_duplicates (
    course_id varchar not null,
    instrument instrument not null,
    day integer not null,
    n_values integer not null
);

-- Derived, one row per course: the contract's derived columns and the early-flare flags of
-- methods.md section 5 (computed by sql/marts/course_facts.sql at load time, never supplied),
-- stored in the order of courses: the k-th row is the k-th course, so that sql/macros.sql
-- scoped_courses pairs them by position, not by a join on course_id (issue 10).
create table course_facts (
    course_id varchar not null,
    severity_class severity_class not null,
    n_sessions_completed integer not null,
    adherence_class adherence_class not null,
    last_session_day integer,
    -- methods.md section 2: the day-21 landmark (Settings.landmark_day)
    n_sessions_by_landmark integer not null,
    landmark_adherence_class adherence_class not null,
    is_in_care_at_landmark boolean not null,
    n_adverse_events integer not null,
    n_serious_adverse_events integer not null,
    has_nrs_flare boolean not null,
    has_flare_event boolean not null,
    is_early_flare boolean not null,
    is_early_quit boolean not null,
    is_quit_after_flare boolean not null
);

-- Derived, one row per course (methods.md section 1), computed by sql/marts/course_outcomes.sql
-- at load time: the primary instrument's baseline and, per follow-up window, the follow-up
-- value and its day (list element k: the window of outcome_windows.slot k), with the course's
-- observed_days. Stored per course, not per course x window: a quarter of the rows to write
-- (issue 10: a million courses); the view course_outcomes gives one row per course x window.
create table course_outcome_values (
    course_id varchar not null,
    observed_days integer,
    baseline_score double,
    baseline_day integer,
    followup_scores double[],
    followup_days integer[]
);

-- The follow-up windows and the responder thresholds of the load (queries/core/settings.py),
-- one row per window, written by sql/marts/course_outcomes.sql with course_outcome_values.
create table outcome_windows (
    slot integer not null,
    window_name varchar not null,
    window_first_day integer not null,
    window_last_day integer not null,
    min_baseline double not null,
    min_drop_points double not null,
    min_drop_fraction double not null,
    substantial_fraction double not null
);

-- One row per course x follow-up window: the per-course outcome of methods.md section 1.
-- Eligibility: a baseline >= min_baseline; responder (IMMPACT, Dworkin 2008): drop >=
-- min_drop_points AND drop >= min_drop_fraction of baseline; substantial responder: drop >=
-- substantial_fraction of baseline. Not yet due (methods.md section 1 "Not yet due"):
-- observed_days < the window's last day, so the window had not closed by the extract (an empty
-- observed_days counts as due). A not-yet-due course leaves every denominator of its window:
-- it is never eligible (is_eligible false, is_responder and is_substantial_responder NULL) and
-- is counted on its own (is_not_yet_due); has_baseline and has_followup still say what the
-- extract holds. A tiny tolerance (1e-9) keeps exact thresholds exact under floating point.
-- Used by: every responder rate (analytics/*, macros.sql grouped_outcomes).
create view course_outcomes as
with joined as (
    select
        v.course_id,
        w.window_name,
        w.window_first_day,
        w.window_last_day,
        v.baseline_score,
        v.baseline_day,
        v.followup_scores[w.slot] as followup_score,
        v.followup_days[w.slot] as followup_day,
        v.baseline_score is not null as has_baseline,
        coalesce(v.baseline_score >= w.min_baseline, false)
            and not coalesce(v.observed_days < w.window_last_day, false) as is_eligible,
        v.followup_scores[w.slot] is not null as has_followup,
        coalesce(v.observed_days < w.window_last_day, false) as is_not_yet_due,
        w.min_drop_points,
        w.min_drop_fraction,
        w.substantial_fraction
    from course_outcome_values as v
    cross join outcome_windows as w
),
final as (
    select
        course_id, window_name, window_first_day, window_last_day, baseline_score,
        baseline_day, followup_score, followup_day, has_baseline, is_eligible, has_followup,
        case when is_eligible and has_followup then
            baseline_score - followup_score >= min_drop_points - 1e-9
            and baseline_score - followup_score >= min_drop_fraction * baseline_score - 1e-9
        end as is_responder,
        case when is_eligible and has_followup then
            baseline_score - followup_score >= substantial_fraction * baseline_score - 1e-9
        end as is_substantial_responder,
        is_not_yet_due  -- methods.md section 1 "Not yet due" (observed_days)
    from joined
)
select * from final;

-- Derived, one row per course with a value of the six secondary instruments (methods.md
-- section 1: ODI, Ostelo 2008; OMERACT-OARSI, Pham 2004), computed by
-- sql/marts/course_secondary_outcomes.sql at load time: per instrument the course has (NULL
-- where it has none) the baseline and each window's follow-up (list element k: the window of
-- outcome_windows.slot k), on 0-100 with higher = worse (KOOS reversed, the patient global
-- rescaled); with the course's observed_days.
create table course_secondary_values (
    course_id varchar not null,
    observed_days integer,
    odi struct(baseline double, followups double[]),
    womac_pain struct(baseline double, followups double[]),
    koos_pain struct(baseline double, followups double[]),
    womac_function struct(baseline double, followups double[]),
    koos_adl struct(baseline double, followups double[]),
    ptga struct(baseline double, followups double[])
);

-- The secondary responder thresholds of the load (queries/core/responders.py), one row.
create table secondary_thresholds (
    odi_min_drop_points double not null,
    odi_min_drop_fraction double not null,
    high_min_points double not null,
    high_min_fraction double not null,
    moderate_min_points double not null,
    moderate_min_fraction double not null,
    moderate_min_domains integer not null
);

-- One row per course x secondary responder definition x follow-up window, for the courses
-- with a value of the definition's instruments: baseline and follow-up of each domain, then
-- eligibility and response:
-- * odi (spine; Ostelo 2008): the ODI (function_*); eligible = a baseline above 0 (room to
--   improve); responder = drop >= odi_min_drop_points OR drop >= odi_min_drop_fraction of
--   baseline.
-- * omeract_oarsi (knee/hip; Pham 2004): pain = WOMAC pain, else 100 - KOOS pain; function =
--   WOMAC function, else 100 - KOOS ADL (WOMAC where the course has it); global = ptga
--   rescaled to 0-100. Eligible = a baseline of all three; follow-up = a value of all three in
--   the window; responder = pain or function improved >= high_min_fraction and >=
--   high_min_points, OR at least moderate_min_domains of pain, function, global improved >=
--   moderate_min_fraction and >= moderate_min_points.
-- Not yet due (methods.md section 1): observed_days < the window's last day; such a course is
-- never eligible (it leaves every denominator) and is counted on its own. A 1e-9 tolerance
-- keeps exact thresholds exact under floating point. The domain columns are those of the
-- definition (ODI: function_* holds the ODI; OMERACT-OARSI: pain, function and global).
-- Used by: Patterns (the responder-definition switch, the landmark view), through
--          sql/analytics/definition_responder_counts.sql.
create view course_secondary_outcomes as
with course_windows as (
    select
        v.course_id,
        v.observed_days,
        w.window_name,
        w.window_first_day,
        w.window_last_day,
        v.odi is not null as has_odi,
        v.womac_pain is not null as has_womac_pain,
        v.koos_pain is not null as has_koos_pain,
        v.womac_function is not null as has_womac_function,
        v.koos_adl is not null as has_koos_adl,
        v.ptga is not null as has_ptga,
        v.odi.baseline as odi_baseline,
        v.womac_pain.baseline as womac_pain_baseline,
        v.koos_pain.baseline as koos_pain_baseline,
        v.womac_function.baseline as womac_function_baseline,
        v.koos_adl.baseline as koos_adl_baseline,
        v.ptga.baseline as ptga_baseline,
        v.odi.followups[w.slot] as odi_followup,
        v.womac_pain.followups[w.slot] as womac_pain_followup,
        v.koos_pain.followups[w.slot] as koos_pain_followup,
        v.womac_function.followups[w.slot] as womac_function_followup,
        v.koos_adl.followups[w.slot] as koos_adl_followup,
        v.ptga.followups[w.slot] as ptga_followup
    from course_secondary_values as v
    cross join outcome_windows as w
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
                    function_drop >= odi_min_drop_points - 1e-9
                    or function_drop >= odi_min_drop_fraction * function_baseline - 1e-9
                else
                    (pain_drop >= high_min_points - 1e-9
                        and pain_drop >= high_min_fraction * pain_baseline - 1e-9)
                    or (function_drop >= high_min_points - 1e-9
                        and function_drop >= high_min_fraction * function_baseline - 1e-9)
                    or (pain_drop >= moderate_min_points - 1e-9
                        and pain_drop >= moderate_min_fraction * pain_baseline - 1e-9)::int
                    + (function_drop >= moderate_min_points - 1e-9
                        and function_drop >= moderate_min_fraction * function_baseline
                            - 1e-9)::int
                    + (global_drop >= moderate_min_points - 1e-9
                        and global_drop >= moderate_min_fraction * global_baseline - 1e-9)::int
                    >= moderate_min_domains
            end
        end as is_responder
    from eligible
    cross join secondary_thresholds
)
select
    course_id, definition, window_name, window_first_day, window_last_day, pain_instrument,
    function_instrument, pain_baseline, pain_followup, function_baseline, function_followup,
    global_baseline, global_followup, has_baseline, is_not_yet_due, is_eligible, has_followup,
    is_responder
from final;

-- Derived for the Timeline and Cases like this pages (issue 10: what does not depend on the
-- viewer's filters is computed once per load), by sql/marts/course_trajectory_weeks.sql,
-- course_durability.sql and course_escalation.sql (methods.md section 5).
-- One row per course with a baseline x trajectory week: the value nearest the week's target.
create table course_trajectory_weeks (
    course_id varchar not null,
    week integer not null,
    day integer not null,
    change_from_baseline double not null
);

-- One row per primary-window responder: how long the response lasted (durability).
create table course_durability (
    course_id varchar not null,
    lost_day integer,
    last_value_day integer not null,
    is_response_lost boolean not null,
    duration_days integer not null
);

-- One row per course: days to escalation, else to the last day seen (censored).
create table course_escalation (
    course_id varchar not null,
    escalated_day integer,
    last_assessment_day integer,
    last_session_day integer,
    last_observed_day integer not null,
    is_escalated boolean not null,
    duration_days integer not null
);

-- Derived for every page (issue 10: what does not depend on the viewer's filters is
-- computed once per load), by sql/marts/scope_summaries.sql: the unfiltered clinic's
-- Overview counts and each provider's sidebar filter values, read through the $scope of
-- macros.sql (analytics/clinic_overview.sql, analytics/filter_options.sql).
-- One row: the whole clinic at the primary follow-up window.
create table clinic_overview (
    window_name varchar not null,
    n_courses bigint not null,
    n_patients bigint not null,
    n_sessions bigint not null,
    n_adverse_events bigint not null,
    n_serious_adverse_events bigint not null,
    n_no_baseline bigint not null,
    n_low_baseline bigint not null,
    n_eligible bigint not null,
    n_followup bigint not null,
    n_responders bigint not null,
    n_substantial_responders bigint not null,
    n_not_yet_due bigint not null
);

-- One row per provider x sidebar filter (start_year, site, indication, route) x value.
create table scope_filter_values (
    provider_id varchar not null,
    filter_name varchar not null,
    value varchar not null
);

-- Derived for the Providers and My practice pages and the CUSUM (issue 10: the case-mix
-- model of the unfiltered clinic fitted once per load, methods.md section 4), by
-- queries/data/casemix_mart.py (sql/marts/course_casemix.sql, casemix_model.sql).
-- One row per eligible course with primary follow-up: the columns of
-- analytics/casemix_courses.sql, fit_row (course_id order), and start_rank (1..n in start
-- order) and p_response, filled once the model is fitted (marts/course_casemix_p.sql).
create table course_casemix (
    fit_row bigint not null,
    start_rank bigint,
    course_id varchar not null,
    provider_id varchar,
    start_year integer,
    start_quarter integer,
    observed_days integer,
    severity_class severity_class,
    baseline_score double,
    age_band age_band,
    sex sex,
    indication indication,
    route route,
    symptom_months integer,
    is_responder boolean not null,
    p_response double
);

-- At most one row: the model of the primary window (status 'fitted', the model as JSON), or
-- 'too_few' with the page's sentence (no completers, or one outcome only).
create table casemix_model (
    window_name varchar not null,
    status varchar not null,
    message varchar,
    model varchar
);

-- One row per load (methods: every load recorded: time, file hashes, row counts).
create table load_history (
    load_id integer primary key,
    loaded_at timestamp not null,
    source_folder varchar not null,
    source_format varchar not null,
    is_synthetic boolean not null,
    n_courses_in_extract integer not null,
    n_courses_replaced integer not null,
    n_courses_added integer not null,
    n_courses_after integer not null,
    responder_definition varchar not null
);

create table load_files (
    load_id integer not null,
    file_name varchar not null,
    sha256 varchar not null,
    n_rows integer not null,
    primary key (load_id, file_name)
);

-- Which version of this schema (and of the derived marts) built the file; the app and the
-- CLI refuse an older file with a message to load the extract again (queries/data/bootstrap.py).
create table schema_info (
    schema_version integer not null
);
