"""Early flare and quitting, and what came of it (issue 4; methods.md sections 3 and 5).

``sql/analytics/timeline_flare_counts.sql`` counts the started courses in scope per
combination of their flare flags (computed once per load in ``marts/course_facts.sql``) and
primary-window outcome, a few dozen rows whatever the clinic's size (issue 10); this module
sums those counts: flare incidence, quitting after a flare, the outcome of
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
    and early quit) and ``flare_path`` (flare_continued / flare_quit / no_flare). Course-level
    rows for checking the flags; the page uses :func:`flare_counts`.
    """
    return q.run("analytics/timeline_course_flare", window=q.settings.primary_window)


def flare_counts(q: Query) -> pd.DataFrame:
    """The started courses in scope counted per combination of flags, path and outcome
    (``sql/analytics/timeline_flare_counts.sql``: one query, a few dozen rows): columns
    ``expectations, has_nrs_flare, has_flare_event, is_early_flare, is_early_quit,
    is_quit_after_flare, flare_path, outcome, n_courses`` (the flags as in
    :func:`flare_courses`), with ``n_eligible, n_followup, n_responders`` (complete case at
    the primary window, read off the outcome). Raises :class:`InsufficientData` when no
    course in scope has a session."""
    counts = q.run("analytics/timeline_flare_counts", window=q.settings.primary_window)
    if counts.empty:
        raise InsufficientData("No course with a session matches these filters.")
    n = counts["n_courses"].astype(int)
    outcome = counts["outcome"]
    return counts.assign(
        n_courses=n,
        n_eligible=n * (outcome != "not_eligible"),
        n_followup=n * outcome.isin(["responder", "non_responder"]),
        n_responders=n * (outcome == "responder"),
    )


COUNT_COLUMNS = ["n_courses", "n_eligible", "n_followup", "n_responders"]


def _outcome_counts(counts: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Responder counts per ``keys`` (complete case at the primary window), every
    combination of the categorical keys present (0 where no course)."""
    out = counts.groupby(keys, observed=False)[COUNT_COLUMNS].sum().reset_index()
    out[COUNT_COLUMNS] = out[COUNT_COLUMNS].fillna(0).astype(int)
    return out


def _total(counts: pd.DataFrame, mask: pd.Series) -> int:
    """Courses in the rows of ``counts`` where ``mask`` holds."""
    return int(counts.loc[mask, "n_courses"].sum())


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
      no_flare_quit_rate, no_flare_quit_ci_lower_95, no_flare_quit_ci_upper_95``;
    - ``flow``: the links of the flow diagram (:func:`flare_flow`), from the same counts, so
      the page asks one query for the whole tab.
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
    flow: pd.DataFrame


def flare_summary(q: Query) -> FlareSummary:
    """Flare incidence, quitting after a flare, and the outcome of each path, also by
    expectations (methods.md sections 3 and 5), from :func:`flare_counts`. Raises
    :class:`InsufficientData` when no course in scope has a session."""
    counts = flare_counts(q)
    level = q.level
    flare = counts["is_early_flare"].astype(bool)
    nrs, event = counts["has_nrs_flare"].astype(bool), counts["has_flare_event"].astype(bool)
    quit_early = counts["is_early_quit"].astype(bool)
    n_started, n_flare = _total(counts, flare | ~flare), _total(counts, flare)

    path = pd.Categorical(counts["flare_path"], categories=FLARE_PATHS)
    outcomes = _outcome_counts(counts.assign(path=path), ["path"])
    outcomes["path"] = outcomes["path"].astype(object)

    expectations = pd.Categorical(counts["expectations"], categories=EXPECTATIONS)
    by_exp = _outcome_counts(
        counts.assign(path=path, expectations=expectations), ["expectations", "path"]
    )
    for col in ("expectations", "path"):
        by_exp[col] = by_exp[col].astype(object)

    quit_rows = []
    for exp in EXPECTATIONS:
        mine = counts["expectations"] == exp
        quit_rows.append(
            {
                "expectations": exp,
                "n_flare": _total(counts, mine & flare),
                "n_quit_after_flare": _total(counts, mine & counts["is_quit_after_flare"]),
                "n_no_flare": _total(counts, mine & ~flare),
                "n_early_quit_no_flare": _total(counts, mine & ~flare & quit_early),
            }
        )
    quit_by_exp = pd.DataFrame(quit_rows)
    quit_by_exp = add_rate_columns(quit_by_exp, "n_quit_after_flare", "n_flare", "quit", level)
    quit_by_exp = add_rate_columns(
        quit_by_exp, "n_early_quit_no_flare", "n_no_flare", "no_flare_quit", level
    )

    return FlareSummary(
        n_started=n_started,
        incidence=proportion(n_flare, n_started, level),
        n_flare_nrs_only=_total(counts, nrs & ~event),
        n_flare_event_only=_total(counts, event & ~nrs),
        n_flare_both=_total(counts, nrs & event),
        quit_after_flare=proportion(
            _total(counts, counts["is_quit_after_flare"].astype(bool)), n_flare, level
        ),
        early_quit_without_flare=proportion(
            _total(counts, ~flare & quit_early), _total(counts, ~flare), level
        ),
        outcomes=with_responder_rate(outcomes, level),
        outcomes_by_expectations=with_responder_rate(by_exp, level),
        quit_by_expectations=quit_by_exp,
        flow=_flow_links(counts),
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
    return _flow_links(flare_counts(q))


def _flow_links(counts: pd.DataFrame) -> pd.DataFrame:
    """:func:`flare_flow`'s links from :func:`flare_counts`."""
    flare = counts["is_early_flare"].astype(bool)
    quit_early = counts["is_early_quit"].astype(bool)
    stages = pd.DataFrame(
        {
            "s1": NODE_STARTED,
            "s2": np.where(flare, NODE_FLARE, NODE_NO_FLARE),
            "s3": [
                NODE_BY_PATH[("flare" if f else "no_flare", bool(k))]
                for f, k in zip(flare, quit_early, strict=True)
            ],
            "s4": counts["outcome"].map(NODE_BY_OUTCOME),
            "n_courses": counts["n_courses"],
        }
    )
    order = {name: i for i, name in enumerate(FLOW_NODES)}
    links = []
    for src, dst in (("s1", "s2"), ("s2", "s3"), ("s3", "s4")):
        pairs = stages.groupby([src, dst])["n_courses"].sum().reset_index()
        pairs.columns = ["source", "target", "n_courses"]
        links.append(pairs)
    out = pd.concat(links, ignore_index=True)
    out = out[out["n_courses"] > 0]
    out = out.assign(_s=out["source"].map(order), _t=out["target"].map(order))
    out = out.sort_values(["_s", "_t"]).drop(columns=["_s", "_t"]).reset_index(drop=True)
    out["n_courses"] = out["n_courses"].astype(int)
    return out
