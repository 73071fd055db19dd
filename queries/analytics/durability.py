"""How long a response lasts, and escalation to surgery (issue 4; methods.md section 5).

The load computes each primary-window responder's days until the response was lost
(censored at the last value; ``sql/marts/course_durability.sql``) and each course's days until
escalation (censored at the last day seen; ``sql/marts/course_escalation.sql``). A page asks
one query per figure that counts courses per group, duration and event
(``sql/analytics/timeline_*_counts.sql``, issue 10); the course-level rows
(:func:`durability_courses`, :func:`escalation_courses`) are for checking. The inference
is Kaplan-Meier (:mod:`queries.stats.survival`); groups in the natural order of
:mod:`queries.core.factors`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from queries.analytics.query import Query
from queries.core.errors import InsufficientData
from queries.core.factors import as_ordered, check_grouping
from queries.disclosure.small_cells import SurvivalSteps, declares
from queries.stats.intervals import level_suffix
from queries.stats.survival import at_risk_table, cumulative_incidence_by, kaplan_meier_by_group

DURABILITY_AT_RISK_DAYS = (0, 90, 180, 270, 360)
ESCALATION_HORIZON_DAYS = 365


def durability_courses(q: Query, by: str = "rehab") -> pd.DataFrame:
    """Per primary-window responder: how long the response lasted (methods.md section 5).

    Columns: ``course_id, group, baseline_score, followup_score, followup_day, lost_day``
    (first later value that is no longer a response: drop < 2 points or < 30 % of baseline,
    NaN if none), ``last_value_day``, ``is_response_lost``, ``duration_days`` (from the
    follow-up day to ``lost_day``, else to the last value; 0 when there is no later value).
    """
    check_grouping(by)
    out = q.run("analytics/timeline_durability", by=by, window=q.settings.primary_window)
    return out.rename(columns={"group_value": "group"})


def _counts(q: Query, name: str, by: str, event: str) -> pd.DataFrame:
    """``sql/analytics/<name>.sql``: courses per group, duration and event (set-wise), with
    ``group`` in the natural order of ``by`` and ``event`` as 0/1."""
    check_grouping(by)
    counts = q.run(f"analytics/{name}", by=by)
    return counts.assign(
        group=as_ordered(counts["group_value"], by), event=counts[event].astype(int)
    )


@dataclass(frozen=True)
class Durability:
    """Kaplan-Meier of time until the response is lost, per group, with at-risk counts.

    ``km``: long table from :func:`queries.stats.survival.kaplan_meier_by_group` (``group, time,
    n_at_risk, n_events, n_censored, survival, std_error, ci_lower_95, ci_upper_95``);
    ``at_risk``: :func:`queries.stats.survival.at_risk_table` at ``at_risk_days`` (``group, time,
    n_at_risk, n_events_so_far, n_censored_so_far``); ``n_responders`` = courses in the
    curves; ``by`` = the grouping key.
    """

    # methods.md section 6: a step shows only once >= threshold events are behind it, at-risk
    # counts rounded down to a multiple of the threshold (SurvivalSteps)
    km: pd.DataFrame = field(metadata=declares(SurvivalSteps("steps")))
    at_risk: pd.DataFrame = field(metadata=declares(SurvivalSteps("at_risk")))
    n_responders: int
    by: str
    at_risk_days: tuple[int, ...]


def durability_km(
    q: Query, by: str = "rehab", at_risk_days: tuple[int, ...] = DURABILITY_AT_RISK_DAYS
) -> Durability:
    """Durability of response by group (methods.md section 5): Kaplan-Meier (Kaplan & Meier
    1958) of days from the primary follow-up to the loss of response, censored at the last
    value, log(-log) intervals; groups in natural order. Raises :class:`InsufficientData`
    when there is no responder in scope."""
    counts = _counts(q, "timeline_durability_counts", by, "is_response_lost")
    if counts.empty:
        raise InsufficientData("No responder at the primary follow-up matches these filters.")
    km = kaplan_meier_by_group(counts, "duration_days", "event", "group", q.level, "n_courses")
    km["group"] = km["group"].astype(object)
    risk = at_risk_table(km, list(at_risk_days))
    return Durability(
        km=km,
        at_risk=risk,
        n_responders=int(counts["n_courses"].sum()),
        by=by,
        at_risk_days=tuple(at_risk_days),
    )


def escalation_courses(q: Query, by: str = "severity") -> pd.DataFrame:
    """Per course: ``course_id, group, escalated_day, last_assessment_day, last_session_day,
    last_observed_day, is_escalated, duration_days`` (escalated_day if escalated, else the
    last day the course was seen)."""
    check_grouping(by)
    out = q.run("analytics/timeline_escalation", by=by)
    return out.rename(columns={"group_value": "group"})


def escalation_by_severity(
    q: Query, horizon_days: int = ESCALATION_HORIZON_DAYS, by: str = "severity"
) -> pd.DataFrame:
    """Escalation (surgery or other invasive care) within ``horizon_days`` per group
    (methods.md section 5: within 12 months by severity).

    Columns: ``group, n_courses, n_escalated, n_escalated_within_horizon`` (escalated_day <=
    horizon), ``horizon_days, n_at_risk_at_horizon, cumulative_incidence, ci_lower_95,
    ci_upper_95``: 1 - Kaplan-Meier at the horizon (:func:`queries.stats.survival.
    cumulative_incidence_by`), so courses seen for less than a year count as censored, not
    as "no escalation"; NaN where a group's follow-up ends before the horizon.
    """
    counts = _counts(q, "timeline_escalation_counts", by, "is_escalated")
    if counts.empty:
        raise InsufficientData("No courses match these filters.")
    inc = cumulative_incidence_by(
        counts, "duration_days", "event", "group", horizon_days, q.level, "n_courses"
    )
    inc["group"] = inc["group"].astype(object)
    # an escalated course's duration is its escalated_day (marts/course_escalation.sql)
    escalated = counts["n_courses"] * counts["event"]
    within = escalated * (counts["duration_days"] <= horizon_days)
    per_group = counts.assign(
        group=counts["group"].astype(object), is_escalated=escalated, _within=within
    ).groupby("group")
    sfx = level_suffix(q.level)
    out = pd.DataFrame(
        {
            "group": inc["group"],
            "n_courses": inc["n_courses"].astype(int),
            "n_escalated": inc["group"].map(per_group["is_escalated"].sum()).astype(int),
            "n_escalated_within_horizon": inc["group"].map(per_group["_within"].sum()).astype(int),
            "horizon_days": int(horizon_days),
            "n_at_risk_at_horizon": inc["n_at_risk_at_horizon"].astype(int),
            "cumulative_incidence": inc["cumulative_incidence"],
            f"ci_lower_{sfx}": inc[f"ci_lower_{sfx}"],
            f"ci_upper_{sfx}": inc[f"ci_upper_{sfx}"],
        }
    )
    return out.reset_index(drop=True)
