"""The course timeline (issue 4; methods.md sections 3, 4 "Trend" and 5): trajectories,
early flare and quitting, durability, escalation, safety and screening, quarterly trends.

Every public function takes the connection, a :class:`~queries.analytics.rates.Scope`, the
:class:`~queries.analytics.rates.Filters` and the :class:`~queries.core.settings.Settings`; scope and
filters travel as bound parameters into ``scoped_courses(...)`` (``sql/macros.sql``), so
no page can see more than its scope. SQL files (``sql/analytics/timeline_*``, ``safety_*``,
``trend_*``) count or return course-level facts; the statistics are the pure functions of
:mod:`queries.stats.trajectory`, :mod:`queries.stats.survival`, :mod:`queries.stats.spc` and
:mod:`queries.stats.intervals`. Results are raw (full precision, every cell): they reach people only
through :mod:`queries.disclosure.gate`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import duckdb
import numpy as np
import pandas as pd

from queries.data import db
from queries.analytics.rates import NATURAL_ORDER, _check_grouping, order_groups
from queries.core.scope import Filters, Scope, _params
from queries.core.errors import InsufficientData
from queries.data.contract import EXPECTATIONS
from queries.core.settings import Settings
from queries.stats.spc import PChart, p_chart
from queries.stats.intervals import (
    ProportionInterval,
    add_rate_columns,
    level_suffix,
    poisson_rate_interval,
    proportion,
)
from queries.stats.survival import (
    at_risk_table,
    cumulative_incidence_by,
    kaplan_meier_by_group,
)
from queries.stats.trajectory import trajectory_by_week

# ---------------------------------------------------------------------------------------
# Shared helpers
# ---------------------------------------------------------------------------------------


def _as_natural_categorical(values: pd.Series, by: str) -> pd.Categorical:
    """Group labels as a categorical in their natural order (style.md: never alphabetical
    for severity, adherence, rehab ...); other keys sorted. Survival and trajectory helpers
    follow the categorical order."""
    present = list(pd.unique(values.dropna()))
    natural = NATURAL_ORDER.get(by, ())
    order = [v for v in natural if v in present] + sorted(v for v in present
                                                          if v not in natural)
    return pd.Categorical(values, categories=order, ordered=True)


def _window_name(settings: Settings) -> str:
    return settings.window(None).name


# ---------------------------------------------------------------------------------------
# 1. Trajectory: mean change in NRS by week
# ---------------------------------------------------------------------------------------

def nrs_changes(con: duckdb.DuckDBPyConnection, scope: Scope = Scope(),
                filters: Filters = Filters(), settings: Settings = Settings(),
                by: str | None = None) -> pd.DataFrame:
    """Every primary-instrument value as a change from baseline (long; the trajectory's input).

    Columns: ``course_id, group_value, day, score, baseline_score, change_from_baseline``
    (``group_value`` is ``'all'`` when ``by`` is None). Courses with no baseline are left out.
    """
    key = "all" if by is None else by
    _check_grouping(key)
    return db.run(con, "analytics/timeline_nrs_changes", by=key,
                  instrument=settings.primary_instrument, window=_window_name(settings),
                  **_params(scope, filters))


def nrs_trajectory(con: duckdb.DuckDBPyConnection, scope: Scope = Scope(),
                   filters: Filters = Filters(), settings: Settings = Settings(),
                   by: str | None = None) -> pd.DataFrame:
    """Mean change in NRS pain from baseline by week (methods.md section 5), t intervals.

    Columns: ``group, week, n_courses, mean_change, ci_lower_95, ci_upper_95`` (suffix
    follows ``settings.confidence_level``). Weeks 0, 1, 2, 3, 4, 6, 8, 12, 26, 52 with the
    windows of :data:`queries.stats.trajectory.TRAJECTORY_WINDOWS` (one value per course and week,
    nearest the target day). Baseline = latest value with day <= 0 (methods.md section 1),
    so week 0 is 0 by construction; a negative change is less pain. ``by``: severity,
    adherence, rehab, provider (or any key of ``analytics.GROUPINGS``); None = one group,
    :data:`queries.stats.trajectory.ALL_COURSES`. Groups in their natural order; a week without
    courses in a group has no row. Every course with a baseline counts (also a baseline < 3,
    which responder rates leave out).
    """
    long = nrs_changes(con, scope, filters, settings, by)
    if by is None:
        return trajectory_by_week(long, None, settings.confidence_level)
    long = long.assign(group_value=_as_natural_categorical(long["group_value"], by))
    out = trajectory_by_week(long, "group_value", settings.confidence_level)
    out["group"] = out["group"].astype(object)
    return out


# ---------------------------------------------------------------------------------------
# 2. Early flare and quitting
# ---------------------------------------------------------------------------------------

FLARE_PATHS = ("flare_continued", "flare_quit", "no_flare")
OUTCOMES = ("responder", "non_responder", "no_followup", "not_eligible")

# Sankey nodes (flare_flow), in display order: stage 1, 2, 3, 4.
NODE_STARTED = "Courses with a session"
NODE_FLARE = "Flare"
NODE_NO_FLARE = "No flare"
NODE_BY_PATH = {
    ("flare", False): "Flare, continued",
    ("flare", True): "Flare, quit",
    ("no_flare", False): "No flare, continued",
    ("no_flare", True): "No flare, quit",
}
NODE_BY_OUTCOME = {
    "responder": "Responder",
    "non_responder": "Non-responder",
    "no_followup": "No follow-up",
    "not_eligible": "Not eligible",
}
FLOW_NODES = (NODE_STARTED, NODE_FLARE, NODE_NO_FLARE, *NODE_BY_PATH.values(),
              *NODE_BY_OUTCOME.values())


def flare_courses(con: duckdb.DuckDBPyConnection, scope: Scope = Scope(),
                  filters: Filters = Filters(), settings: Settings = Settings()
                  ) -> pd.DataFrame:
    """Early flare and quitting, course by course (methods.md section 5).

    One row per course with at least one session. Columns: ``course_id, provider_id,
    expectations, planned_sessions, sessions_completed, baseline_score``,
    ``has_nrs_flare`` (a value on day 1-10 >= baseline + 1, computed at load in course_facts),
    ``has_flare_event`` (a ``post_injection_flare`` adverse event), ``is_early_quit``
    (stopped after 1-2 sessions with more planned), ``is_eligible, has_followup,
    is_responder`` (primary window), ``outcome`` (responder / non_responder / no_followup /
    not_eligible), ``is_early_flare`` (NRS rise or event), ``is_quit_after_flare`` (flare
    and early quit) and ``flare_path`` (flare_continued / flare_quit / no_flare).
    """
    return db.run(con, "analytics/timeline_course_flare", window=_window_name(settings),
                  **_params(scope, filters))


def _outcome_counts(courses: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Responder counts per ``keys`` (complete case at the primary window)."""
    flags = courses.assign(_followup=courses["is_eligible"] & courses["has_followup"])
    grouped = flags.groupby(keys, observed=False)
    counts = pd.DataFrame({
        "n_courses": grouped.size(),
        "n_eligible": grouped["is_eligible"].sum(),
        "n_followup": grouped["_followup"].sum(),
        "n_responders": grouped["is_responder"].sum(),
    }).reset_index()
    for col in ("n_courses", "n_eligible", "n_followup", "n_responders"):
        counts[col] = counts[col].fillna(0).astype(int)
    return counts


@dataclass(frozen=True)
class FlareSummary:
    """Early flare and what followed (methods.md section 5; rates with Wilson intervals).

    - ``incidence``: courses with an early flare / courses with at least one session;
      ``n_flare_nrs_only``, ``n_flare_event_only``, ``n_flare_both`` say how it was seen;
    - ``quit_after_flare``: flares that stopped after 1-2 sessions with more planned / flares;
    - ``early_quit_without_flare``: the same stop among courses without a flare (comparison);
    - ``outcomes``: one row per ``path`` (flare_continued, flare_quit, no_flare):
      ``n_courses, n_eligible, n_followup, n_responders, responder_rate, ci_lower_95,
      ci_upper_95`` (complete case at the primary window);
    - ``outcomes_by_expectations``: the same with a leading ``expectations`` column;
    - ``quit_by_expectations``: per expectations: ``n_flare, n_quit_after_flare, quit_rate,
      quit_ci_lower_95, quit_ci_upper_95, n_no_flare, n_early_quit_no_flare,
      no_flare_quit_rate, no_flare_quit_ci_lower_95, no_flare_quit_ci_upper_95``.
    """

    n_started: int
    incidence: ProportionInterval
    n_flare_nrs_only: int
    n_flare_event_only: int
    n_flare_both: int
    quit_after_flare: ProportionInterval
    early_quit_without_flare: ProportionInterval
    outcomes: pd.DataFrame
    outcomes_by_expectations: pd.DataFrame
    quit_by_expectations: pd.DataFrame


def _with_responder_rate(counts: pd.DataFrame, level: float) -> pd.DataFrame:
    return add_rate_columns(counts, "n_responders", "n_followup", "responder", level,
                            interval_prefix="")


def flare_summary(con: duckdb.DuckDBPyConnection, scope: Scope = Scope(),
                  filters: Filters = Filters(), settings: Settings = Settings()
                  ) -> FlareSummary:
    """Flare incidence, quitting after a flare, and the outcome of each path, also by
    expectations (methods.md sections 3 and 5). Raises :class:`InsufficientData` when no
    course in scope has a session."""
    courses = flare_courses(con, scope, filters, settings)
    if courses.empty:
        raise InsufficientData("No course with a session matches these filters.")
    level = settings.confidence_level
    flare = courses["is_early_flare"]
    nrs, event = courses["has_nrs_flare"], courses["has_flare_event"]
    no_flare = courses[~flare]

    path = pd.Categorical(courses["flare_path"], categories=FLARE_PATHS)
    outcomes = _outcome_counts(courses.assign(path=path), ["path"])
    outcomes["path"] = outcomes["path"].astype(object)

    expectations = pd.Categorical(courses["expectations"], categories=EXPECTATIONS)
    by_exp = _outcome_counts(courses.assign(path=path, expectations=expectations),
                             ["expectations", "path"])
    for col in ("expectations", "path"):
        by_exp[col] = by_exp[col].astype(object)

    quit_rows = []
    for exp in EXPECTATIONS:
        rows = courses[courses["expectations"] == exp]
        fl = rows[rows["is_early_flare"]]
        nf = rows[~rows["is_early_flare"]]
        quit_rows.append({"expectations": exp, "n_flare": len(fl),
                          "n_quit_after_flare": int(fl["is_quit_after_flare"].sum()),
                          "n_no_flare": len(nf),
                          "n_early_quit_no_flare": int(nf["is_early_quit"].sum())})
    quit_by_exp = pd.DataFrame(quit_rows)
    quit_by_exp = add_rate_columns(quit_by_exp, "n_quit_after_flare", "n_flare", "quit", level)
    quit_by_exp = add_rate_columns(quit_by_exp, "n_early_quit_no_flare", "n_no_flare",
                                   "no_flare_quit", level)

    return FlareSummary(
        n_started=len(courses),
        incidence=proportion(int(flare.sum()), len(courses), level),
        n_flare_nrs_only=int((nrs & ~event).sum()),
        n_flare_event_only=int((event & ~nrs).sum()),
        n_flare_both=int((nrs & event).sum()),
        quit_after_flare=proportion(int(courses["is_quit_after_flare"].sum()),
                                    int(flare.sum()), level),
        early_quit_without_flare=proportion(int(no_flare["is_early_quit"].sum()),
                                            len(no_flare), level),
        outcomes=_with_responder_rate(outcomes, level),
        outcomes_by_expectations=_with_responder_rate(by_exp, level),
        quit_by_expectations=quit_by_exp,
    )


def flare_flow(con: duckdb.DuckDBPyConnection, scope: Scope = Scope(),
               filters: Filters = Filters(), settings: Settings = Settings()
               ) -> pd.DataFrame:
    """Links of the flare -> continued / quit -> outcome flow (a Sankey), courses with a session.

    Columns: ``source, target, n_courses``; node names are :data:`FLOW_NODES` (stages:
    courses with a session -> flare / no flare -> continued / quit -> responder /
    non-responder / no follow-up / not eligible). "Quit" = stopped after 1-2 sessions with
    more planned; outcomes at the primary window; "not eligible" = no baseline or a baseline
    below the minimum (not counted in responder rates). Links with no course are left out;
    each stage's links add up to the courses with a session.
    """
    courses = flare_courses(con, scope, filters, settings)
    if courses.empty:
        raise InsufficientData("No course with a session matches these filters.")
    flare_node = np.where(courses["is_early_flare"], NODE_FLARE, NODE_NO_FLARE)
    path_node = [NODE_BY_PATH[("flare" if f else "no_flare", bool(q))]
                 for f, q in zip(courses["is_early_flare"], courses["is_early_quit"])]
    outcome_node = courses["outcome"].map(NODE_BY_OUTCOME)
    stages = pd.DataFrame({"s1": NODE_STARTED, "s2": flare_node, "s3": path_node,
                           "s4": outcome_node})
    order = {name: i for i, name in enumerate(FLOW_NODES)}
    links = []
    for src, dst in (("s1", "s2"), ("s2", "s3"), ("s3", "s4")):
        counts = stages.groupby([src, dst]).size().reset_index(name="n_courses")
        counts.columns = ["source", "target", "n_courses"]
        links.append(counts)
    out = pd.concat(links, ignore_index=True)
    out = out[out["n_courses"] > 0]
    out = out.assign(_s=out["source"].map(order), _t=out["target"].map(order))
    out = out.sort_values(["_s", "_t"]).drop(columns=["_s", "_t"]).reset_index(drop=True)
    out["n_courses"] = out["n_courses"].astype(int)
    return out


# ---------------------------------------------------------------------------------------
# 3. Durability and escalation
# ---------------------------------------------------------------------------------------

DURABILITY_AT_RISK_DAYS = (0, 90, 180, 270, 360)
ESCALATION_HORIZON_DAYS = 365


def durability_courses(con: duckdb.DuckDBPyConnection, scope: Scope = Scope(),
                       filters: Filters = Filters(), settings: Settings = Settings(),
                       by: str = "rehab") -> pd.DataFrame:
    """Per primary-window responder: how long the response lasted (methods.md section 5).

    Columns: ``course_id, group, baseline_score, followup_score, followup_day, lost_day``
    (first later value that is no longer a response: drop < 2 points or < 30 % of baseline,
    NaN if none), ``last_value_day``, ``is_response_lost``, ``duration_days`` (from the
    follow-up day to ``lost_day``, else to the last value; 0 when there is no later value).
    """
    _check_grouping(by)
    out = db.run(con, "analytics/timeline_durability", by=by,
                 instrument=settings.primary_instrument, window=_window_name(settings),
                 min_drop_points=settings.responder_min_drop_points,
                 min_drop_fraction=settings.responder_min_drop_fraction,
                 **_params(scope, filters))
    return out.rename(columns={"group_value": "group"})


@dataclass(frozen=True)
class Durability:
    """Kaplan-Meier of time until the response is lost, per group, with at-risk counts.

    ``km``: long table from :func:`queries.stats.survival.kaplan_meier_by_group` (``group, time,
    n_at_risk, n_events, n_censored, survival, std_error, ci_lower_95, ci_upper_95``);
    ``at_risk``: :func:`queries.stats.survival.at_risk_table` at ``at_risk_days`` (``group, time,
    n_at_risk, n_events_so_far, n_censored_so_far``); ``n_responders`` = courses in the
    curves; ``by`` = the grouping key.
    """

    km: pd.DataFrame
    at_risk: pd.DataFrame
    n_responders: int
    by: str
    at_risk_days: tuple[int, ...]


def durability_km(con: duckdb.DuckDBPyConnection, scope: Scope = Scope(),
                  filters: Filters = Filters(), settings: Settings = Settings(),
                  by: str = "rehab",
                  at_risk_days: tuple[int, ...] = DURABILITY_AT_RISK_DAYS) -> Durability:
    """Durability of response by group (methods.md section 5): Kaplan-Meier (Kaplan & Meier
    1958) of days from the primary follow-up to the loss of response, censored at the last
    value, log(-log) intervals; groups in natural order. Raises :class:`InsufficientData`
    when there is no responder in scope."""
    courses = durability_courses(con, scope, filters, settings, by)
    if courses.empty:
        raise InsufficientData("No responder at the primary follow-up matches these filters.")
    frame = courses.assign(group=_as_natural_categorical(courses["group"], by),
                           event=courses["is_response_lost"].astype(int))
    km = kaplan_meier_by_group(frame, "duration_days", "event", "group",
                               settings.confidence_level)
    km["group"] = km["group"].astype(object)
    risk = at_risk_table(km, list(at_risk_days))
    return Durability(km=km, at_risk=risk, n_responders=len(courses), by=by,
                      at_risk_days=tuple(at_risk_days))


def escalation_courses(con: duckdb.DuckDBPyConnection, scope: Scope = Scope(),
                       filters: Filters = Filters(), settings: Settings = Settings(),
                       by: str = "severity") -> pd.DataFrame:
    """Per course: ``course_id, group, escalated_day, last_assessment_day, last_session_day,
    last_observed_day, is_escalated, duration_days`` (escalated_day if escalated, else the
    last day the course was seen)."""
    _check_grouping(by)
    out = db.run(con, "analytics/timeline_escalation", by=by, **_params(scope, filters))
    return out.rename(columns={"group_value": "group"})


def escalation_by_severity(con: duckdb.DuckDBPyConnection, scope: Scope = Scope(),
                           filters: Filters = Filters(), settings: Settings = Settings(),
                           horizon_days: int = ESCALATION_HORIZON_DAYS,
                           by: str = "severity") -> pd.DataFrame:
    """Escalation (surgery or other invasive care) within ``horizon_days`` per group
    (methods.md section 5: within 12 months by severity).

    Columns: ``group, n_courses, n_escalated, n_escalated_within_horizon`` (escalated_day <=
    horizon), ``horizon_days, n_at_risk_at_horizon, cumulative_incidence, ci_lower_95,
    ci_upper_95``: 1 - Kaplan-Meier at the horizon (:func:`queries.stats.survival.
    cumulative_incidence_by`), so courses seen for less than a year count as censored, not
    as "no escalation"; NaN where a group's follow-up ends before the horizon.
    """
    courses = escalation_courses(con, scope, filters, settings, by)
    if courses.empty:
        raise InsufficientData("No courses match these filters.")
    frame = courses.assign(group=_as_natural_categorical(courses["group"], by),
                           event=courses["is_escalated"].astype(int))
    inc = cumulative_incidence_by(frame, "duration_days", "event", "group", horizon_days,
                                  settings.confidence_level)
    inc["group"] = inc["group"].astype(object)
    within = courses["is_escalated"].astype(bool) & \
        (courses["escalated_day"] <= horizon_days).fillna(False).astype(bool)
    per_group = courses.assign(_within=within).groupby("group")
    sfx = level_suffix(settings.confidence_level)
    out = pd.DataFrame({
        "group": inc["group"],
        "n_courses": inc["n_courses"].astype(int),
        "n_escalated": inc["group"].map(per_group["is_escalated"].sum()).astype(int),
        "n_escalated_within_horizon": inc["group"].map(per_group["_within"].sum()).astype(int),
        "horizon_days": int(horizon_days),
        "n_at_risk_at_horizon": inc["n_at_risk_at_horizon"].astype(int),
        "cumulative_incidence": inc["cumulative_incidence"],
        f"ci_lower_{sfx}": inc[f"ci_lower_{sfx}"],
        f"ci_upper_{sfx}": inc[f"ci_upper_{sfx}"],
    })
    return out.reset_index(drop=True)


# ---------------------------------------------------------------------------------------
# 4. Safety and screening
# ---------------------------------------------------------------------------------------


def adverse_event_rates(con: duckdb.DuckDBPyConnection, scope: Scope = Scope(),
                        filters: Filters = Filters(), settings: Settings = Settings(),
                        by: str = "route") -> pd.DataFrame:
    """Adverse events per 100 sessions and per course, per group (methods.md sections 3, 5).

    Columns: ``group, n_courses, n_sessions, n_events, n_serious_events,
    n_courses_with_event, n_courses_with_serious_event``;
    ``events_per_100_sessions`` and ``serious_events_per_100_sessions`` with exact Poisson
    (Garwood 1936) bounds ``..._ci_lower_95`` / ``..._ci_upper_95``; ``events_per_course``
    (mean events per course, exact Poisson bounds likewise); ``course_event_rate`` and
    ``course_serious_event_rate`` (share of courses with any / any serious event) with Wilson
    bounds ``course_event_ci_lower_95`` ... Rates are NaN where the denominator is 0.
    ``by``: route, provider or any key of ``analytics.GROUPINGS`` ('all' for the clinic).
    """
    _check_grouping(by)
    counts = db.run(con, "analytics/safety_event_counts", by=by, **_params(scope, filters))
    counts = counts.rename(columns={"group_value": "group"})
    level = settings.confidence_level
    sfx = level_suffix(level)
    for name, events, exposure, per in (
        ("events_per_100_sessions", "n_events", "n_sessions", 100.0),
        ("serious_events_per_100_sessions", "n_serious_events", "n_sessions", 100.0),
        ("events_per_course", "n_events", "n_courses", 1.0),
    ):
        rate, lower, upper = poisson_rate_interval(counts[events].to_numpy(),
                                                   counts[exposure].to_numpy(), per, level)
        counts[name] = rate
        counts[f"{name}_ci_lower_{sfx}"] = lower
        counts[f"{name}_ci_upper_{sfx}"] = upper
    counts = add_rate_columns(counts, "n_courses_with_event", "n_courses", "course_event", level)
    counts = add_rate_columns(counts, "n_courses_with_serious_event", "n_courses",
                              "course_serious_event", level)
    for col in ("n_courses", "n_sessions", "n_events", "n_serious_events",
                "n_courses_with_event", "n_courses_with_serious_event"):
        counts[col] = counts[col].astype(int)
    return order_groups(counts, by)


def clinic_adverse_event_rates(con: duckdb.DuckDBPyConnection, scope: Scope = Scope(),
                               filters: Filters = Filters(), settings: Settings = Settings()
                               ) -> pd.DataFrame:
    """The whole clinic's adverse-event rates under the same filters, one row (group
    'clinic'): the reference every viewer may see, a provider included (methods.md section 6:
    a provider sees their own courses and the clinic as a whole). ``scope`` is accepted and
    deliberately not applied: this is an aggregate over every provider."""
    return adverse_event_rates(con, Scope.clinic(), filters, settings, by="all") \
        .assign(group="clinic")


SERIOUS_EVENT_COLUMNS = ("course_id", "provider_id", "session_number", "day", "event")


def serious_events(con: duckdb.DuckDBPyConnection, scope: Scope = Scope(),
                   filters: Filters = Filters(), settings: Settings = Settings()
                   ) -> pd.DataFrame:
    """Every ``serious`` adverse event as recorded (methods.md section 5), nothing aggregated.

    Columns: ``course_id, provider_id, session_number`` (nullable Int64: optional in the
    contract), ``day, event``; ordered by course_id, day (then session_number, event).
    """
    out = db.run(con, "analytics/safety_serious_events", **_params(scope, filters))
    out["session_number"] = out["session_number"].astype("Int64")
    out["day"] = out["day"].astype(int)
    return out.loc[:, list(SERIOUS_EVENT_COLUMNS)]


@dataclass(frozen=True)
class ScreeningSummary:
    """Screening as a quality indicator (methods.md section 5), Wilson intervals.

    ``not_screened``: courses given without a contraindication screen / courses;
    ``contraindicated``: courses with a contraindication (other than none / not_screened) /
    courses; ``g6pd_tested``: tested / courses with a known G6PD-tested value;
    ``n_g6pd_unknown``: courses where it was left empty.
    """

    n_courses: int
    not_screened: ProportionInterval
    contraindicated: ProportionInterval
    g6pd_tested: ProportionInterval
    n_g6pd_unknown: int


def screening_summary(con: duckdb.DuckDBPyConnection, scope: Scope = Scope(),
                      filters: Filters = Filters(), settings: Settings = Settings()
                      ) -> ScreeningSummary:
    """Screening counts and rates; raises :class:`InsufficientData` when nothing matches."""
    row = db.run(con, "analytics/safety_screening_counts", **_params(scope, filters)).iloc[0]
    c = {k: int(row[k]) for k in row.index}
    if c["n_courses"] == 0:
        raise InsufficientData("No courses match these filters.")
    level = settings.confidence_level
    return ScreeningSummary(
        n_courses=c["n_courses"],
        not_screened=proportion(c["n_not_screened"], c["n_courses"], level),
        contraindicated=proportion(c["n_contraindicated"], c["n_courses"], level),
        g6pd_tested=proportion(c["n_g6pd_tested"],
                               c["n_g6pd_tested"] + c["n_g6pd_not_tested"], level),
        n_g6pd_unknown=c["n_g6pd_unknown"],
    )


def screening_exceptions(con: duckdb.DuckDBPyConnection, scope: Scope = Scope(),
                         filters: Filters = Filters(), settings: Settings = Settings()
                         ) -> pd.DataFrame:
    """Courses given without a screen or with a contraindication, for review.

    Columns: ``course_id, provider_id, contraindication, sessions_completed, g6pd_tested``
    (nullable boolean), ordered by course_id.
    """
    out = db.run(con, "analytics/safety_screening_exceptions", **_params(scope, filters))
    out["g6pd_tested"] = out["g6pd_tested"].astype("boolean")
    return out


# ---------------------------------------------------------------------------------------
# 5. Trends: quarterly p-charts
# ---------------------------------------------------------------------------------------

TREND_MEASURES = {
    # measure -> (events column, n column, what it shows)
    "responder": ("n_responders", "n_followup",
                  "responders / eligible courses with a follow-up value (complete case)"),
    "followup": ("n_followup", "n_eligible",
                 "eligible courses with a follow-up value / eligible courses"),
}
# Fall back to yearly periods when more than this share of courses has no start_quarter
# (Safe Harbor extracts leave the quarter empty; data-contract.md).
MAX_MISSING_QUARTER_SHARE = 0.5


@dataclass(frozen=True)
class TrendPChart(PChart):
    """A :class:`queries.stats.spc.PChart` over start periods, with how the periods were made.

    ``period_kind`` is ``"quarter"`` (periods ``2023-Q1`` ...) or ``"year"`` (``2023`` ...;
    used when most courses have no start_quarter); ``n_courses_without_period`` courses
    were left out (no start_quarter on a quarterly chart); ``measure`` and ``description``
    say what is plotted. Periods run chronologically from the first to the last with
    courses; periods in between with no courses have n = 0 (no point).
    """

    measure: str
    description: str
    period_kind: str
    n_courses_without_period: int


def _periods(counts: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Sum counts per period (quarter or year) and fill the gaps chronologically."""
    value_cols = ["n_courses", "n_eligible", "n_followup", "n_responders"]
    if kind == "quarter":
        known = counts[counts["start_quarter"].notna()]
        index = (known["start_year"].astype(int) * 4 + known["start_quarter"].astype(int) - 1)
    else:
        known = counts
        index = known["start_year"].astype(int)
    summed = known.assign(_i=index.to_numpy()).groupby("_i")[value_cols].sum()
    full = summed.reindex(range(int(summed.index.min()), int(summed.index.max()) + 1),
                          fill_value=0)
    if kind == "quarter":
        labels = [f"{i // 4}-Q{i % 4 + 1}" for i in full.index]
    else:
        labels = [str(i) for i in full.index]
    return full.reset_index(drop=True).assign(period=labels)


def quarterly_pchart(con: duckdb.DuckDBPyConnection, scope: Scope = Scope(),
                     filters: Filters = Filters(), settings: Settings = Settings(),
                     measure: str = "responder") -> TrendPChart:
    """Quarterly p-chart of the responder rate or follow-up completeness (methods.md section 4:
    limits p̄ ± 3 sqrt(p̄(1-p̄)/n), NHS "Making Data Count" signal rules; :func:`queries.stats.spc.
    p_chart`). ``measure``: ``"responder"`` (events = responders, n = eligible courses with
    follow-up) or ``"followup"`` (events = eligible with follow-up, n = eligible), both at
    the primary window. Periods are start quarters; when more than half the courses have no
    start_quarter (Safe Harbor) the periods are start years (``period_kind == "year"``).
    Raises :class:`InsufficientData` when no period has a course in the denominator.
    """
    if measure not in TREND_MEASURES:
        raise ValueError(f"no trend measure {measure!r}; use one of {', '.join(TREND_MEASURES)}")
    events_col, n_col, description = TREND_MEASURES[measure]
    counts = db.run(con, "analytics/trend_quarterly_counts", window=_window_name(settings),
                    **_params(scope, filters))
    n_courses = int(counts["n_courses"].sum())
    if n_courses == 0:
        raise InsufficientData("No courses match these filters.")
    n_no_quarter = int(counts.loc[counts["start_quarter"].isna(), "n_courses"].sum())
    kind = "year" if n_no_quarter > MAX_MISSING_QUARTER_SHARE * n_courses else "quarter"
    periods = _periods(counts, kind)
    if periods[n_col].sum() == 0:
        raise InsufficientData(f"No course has a value for the {measure} chart "
                               f"({description}) in these filters.")
    chart = p_chart(periods, period_col="period", n_col=n_col, events_col=events_col)
    base = {f.name: getattr(chart, f.name) for f in fields(chart)}
    return TrendPChart(**base, measure=measure, description=description, period_kind=kind,
                       n_courses_without_period=n_no_quarter if kind == "quarter" else 0)
