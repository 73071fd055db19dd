"""Early flare and quitting, and what came of it (issue 4; methods.md sections 3 and 5).

``sql/analytics/timeline_course_flare.sql`` returns every started course in scope with its
flare flags (computed once per load in ``marts/course_facts.sql``) and its primary-window
outcome; this module counts them: flare incidence, quitting after a flare, the outcome of
each path (also by expectations) with Wilson intervals, and the links of the flow diagram.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from queries.analytics.query import Query
from queries.analytics.rates import with_responder_rate
from queries.core.errors import InsufficientData
from queries.core.factors import factor
from queries.stats.intervals import ProportionInterval, add_rate_columns, proportion

FLARE_PATHS = ("flare_continued", "flare_quit", "no_flare")
OUTCOMES = ("responder", "non_responder", "no_followup", "not_eligible")
EXPECTATIONS = factor("expectations").levels  # in natural order (queries/core/factors.py)

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
FLOW_NODES = (
    NODE_STARTED,
    NODE_FLARE,
    NODE_NO_FLARE,
    *NODE_BY_PATH.values(),
    *NODE_BY_OUTCOME.values(),
)


def flare_courses(q: Query) -> pd.DataFrame:
    """Early flare and quitting, course by course (methods.md section 5).

    One row per course with at least one session. Columns: ``course_id, provider_id,
    expectations, planned_sessions, n_sessions_completed, baseline_score``,
    ``has_nrs_flare`` (a value on day 1-10 >= baseline + 1, computed at load in course_facts),
    ``has_flare_event`` (a ``post_injection_flare`` adverse event), ``is_early_quit``
    (stopped after 1-2 sessions with more planned), ``is_eligible, has_followup,
    is_responder`` (primary window), ``outcome`` (responder / non_responder / no_followup /
    not_eligible), ``is_early_flare`` (NRS rise or event), ``is_quit_after_flare`` (flare
    and early quit) and ``flare_path`` (flare_continued / flare_quit / no_flare).
    """
    return q.run("analytics/timeline_course_flare", window=q.settings.primary_window)


def _started_courses(q: Query) -> pd.DataFrame:
    """:func:`flare_courses`; raises :class:`InsufficientData` when there is none."""
    courses = flare_courses(q)
    if courses.empty:
        raise InsufficientData("No course with a session matches these filters.")
    return courses


def _outcome_counts(courses: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Responder counts per ``keys`` (complete case at the primary window)."""
    flags = courses.assign(_followup=courses["is_eligible"] & courses["has_followup"])
    grouped = flags.groupby(keys, observed=False)
    counts = pd.DataFrame(
        {
            "n_courses": grouped.size(),
            "n_eligible": grouped["is_eligible"].sum(),
            "n_followup": grouped["_followup"].sum(),
            "n_responders": grouped["is_responder"].sum(),
        }
    ).reset_index()
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


def flare_summary(q: Query) -> FlareSummary:
    """Flare incidence, quitting after a flare, and the outcome of each path, also by
    expectations (methods.md sections 3 and 5). Raises :class:`InsufficientData` when no
    course in scope has a session."""
    courses = _started_courses(q)
    level = q.level
    flare = courses["is_early_flare"]
    nrs, event = courses["has_nrs_flare"], courses["has_flare_event"]
    no_flare = courses[~flare]

    path = pd.Categorical(courses["flare_path"], categories=FLARE_PATHS)
    outcomes = _outcome_counts(courses.assign(path=path), ["path"])
    outcomes["path"] = outcomes["path"].astype(object)

    expectations = pd.Categorical(courses["expectations"], categories=EXPECTATIONS)
    by_exp = _outcome_counts(
        courses.assign(path=path, expectations=expectations), ["expectations", "path"]
    )
    for col in ("expectations", "path"):
        by_exp[col] = by_exp[col].astype(object)

    quit_rows = []
    for exp in EXPECTATIONS:
        rows = courses[courses["expectations"] == exp]
        fl = rows[rows["is_early_flare"]]
        nf = rows[~rows["is_early_flare"]]
        quit_rows.append(
            {
                "expectations": exp,
                "n_flare": len(fl),
                "n_quit_after_flare": int(fl["is_quit_after_flare"].sum()),
                "n_no_flare": len(nf),
                "n_early_quit_no_flare": int(nf["is_early_quit"].sum()),
            }
        )
    quit_by_exp = pd.DataFrame(quit_rows)
    quit_by_exp = add_rate_columns(quit_by_exp, "n_quit_after_flare", "n_flare", "quit", level)
    quit_by_exp = add_rate_columns(
        quit_by_exp, "n_early_quit_no_flare", "n_no_flare", "no_flare_quit", level
    )

    return FlareSummary(
        n_started=len(courses),
        incidence=proportion(int(flare.sum()), len(courses), level),
        n_flare_nrs_only=int((nrs & ~event).sum()),
        n_flare_event_only=int((event & ~nrs).sum()),
        n_flare_both=int((nrs & event).sum()),
        quit_after_flare=proportion(
            int(courses["is_quit_after_flare"].sum()), int(flare.sum()), level
        ),
        early_quit_without_flare=proportion(
            int(no_flare["is_early_quit"].sum()), len(no_flare), level
        ),
        outcomes=with_responder_rate(outcomes, level),
        outcomes_by_expectations=with_responder_rate(by_exp, level),
        quit_by_expectations=quit_by_exp,
    )


def flare_flow(q: Query) -> pd.DataFrame:
    """Links of the flare -> continued / quit -> outcome flow (a Sankey), courses with a session.

    Columns: ``source, target, n_courses``; node names are :data:`FLOW_NODES` (stages:
    courses with a session -> flare / no flare -> continued / quit -> responder /
    non-responder / no follow-up / not eligible). "Quit" = stopped after 1-2 sessions with
    more planned; outcomes at the primary window; "not eligible" = no baseline or a baseline
    below the minimum (not counted in responder rates). Links with no course are left out;
    each stage's links add up to the courses with a session.
    """
    courses = _started_courses(q)
    flare_node = np.where(courses["is_early_flare"], NODE_FLARE, NODE_NO_FLARE)
    path_node = [
        NODE_BY_PATH[("flare" if f else "no_flare", bool(q))]
        for f, q in zip(courses["is_early_flare"], courses["is_early_quit"], strict=True)
    ]
    outcome_node = courses["outcome"].map(NODE_BY_OUTCOME)
    stages = pd.DataFrame(
        {"s1": NODE_STARTED, "s2": flare_node, "s3": path_node, "s4": outcome_node}
    )
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
