"""What the disclosure gate knows about the columns of a frame (methods.md section 6).

The full small-cell rule (:mod:`queries.disclosure.cells`) needs to know, for every frame the
core returns, which columns count courses, patients or events, how those counts nest within a
row (eligible within courses, follow-up within eligible ...), which columns are rates or other
figures computed from a count (and from which numerator and denominator), and which columns
are the keys whose rows add up to a total. This module holds that knowledge as data, by
column name; the names follow the house convention (docs/style.md: ``n_`` counts):

- :data:`PARENT`: every known count and the count it is a subset of in the same row;
  :data:`ROOT_COUNTS`: counts with no parent; :data:`PARTITIONS`: disjoint parts of a count.
- :data:`STATISTICS`: a figure computed from counts: its numerator and its denominators
  (a rate is shown only where every denominator reaches the threshold and neither is hidden).
- :data:`NOT_COUNTS`: integer columns that look like counts but count no one (signals, days).
- :data:`PARTITION_KEYS` / :data:`STRATUM_KEYS`: the key columns whose rows add up to a total.

Fail closed (:func:`count_columns`): an integer column whose name looks like a count
(``n_...``, ``..._count``, ``..._courses``, ``..._events``) that this registry does not know is
treated as a count of people and hidden like one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

# Each known count -> the count it is a subset of within one row (the first one present).
PARENT: dict[str, tuple[str, ...]] = {
    # responder counts (methods.md section 1)
    "n_not_yet_due": ("n_courses",),
    "n_no_baseline": ("n_courses",),
    "n_low_baseline": ("n_courses",),
    "n_eligible": ("n_courses",),
    "n_followup": ("n_eligible", "n_courses"),
    "n_responders": ("n_followup", "n_eligible", "n_courses"),
    "n_substantial_responders": ("n_responders",),
    # process and case mix
    "n_with_baseline": ("n_courses",),
    "n_full_protocol": ("n_courses",),
    "n_rehab_paired": ("n_courses",),
    "n_screening_documented": ("n_courses",),
    "n_g6pd_known": ("n_courses",),
    "n_g6pd_tested": ("n_g6pd_known", "n_courses"),
    # safety
    "n_courses_with_event": ("n_courses",),
    "n_courses_with_serious_event": ("n_courses_with_event", "n_courses"),
    "n_serious_events": ("n_events",),
    # flare and quitting
    "n_quit_after_flare": ("n_flare",),
    "n_early_quit_no_flare": ("n_no_flare",),
    # escalation, survival (a Kaplan-Meier row: events and censored among those at risk)
    "n_escalated": ("n_courses",),
    "n_escalated_within_horizon": ("n_escalated", "n_courses"),
    "n_at_risk_at_horizon": ("n_courses",),
    "n_events": ("n_at_risk",),
    "n_censored": ("n_at_risk",),
    # generic names of the statistics modules: n units, observed / events among them
    "observed": ("n",),
    "events": ("n",),
    "n_with_level": ("n",),
}
ROOT_COUNTS = frozenset(
    {
        "n_courses",
        "n_patients",
        "n_sessions",
        "n_sessions_completed",
        "n_sessions_planned",
        "n_flare",
        "n_no_flare",
        "n_at_risk",
        "n_events_so_far",
        "n_censored_so_far",
        "n",
        "n_group_a",
        "n_group_b",
        "n_adverse_events",
        "n_serious_adverse_events",
        "n_nonresponders",
        "n_non_responders",
    }
)
KNOWN_COUNTS = frozenset(PARENT) | ROOT_COUNTS
# Disjoint parts of a count: (total, parts, whether the parts are all of it). Exact when
# every part is a column of the frame and the parts are all of the total (methods.md
# section 1: courses = not yet due + no baseline + low baseline + eligible); a Kaplan-Meier
# row's events and censored are not all of those at risk (the others go on).
PARTITIONS: tuple[tuple[str, tuple[str, ...], bool], ...] = (
    ("n_courses", ("n_not_yet_due", "n_no_baseline", "n_low_baseline", "n_eligible"), True),
    ("n_followup", ("n_responders", "n_nonresponders"), True),
    ("n_followup", ("n_responders", "n_non_responders"), True),
    ("n_at_risk", ("n_events", "n_censored"), False),
)
# Integer columns that count no course, patient or event: signals, days, positions, labels.
NOT_COUNTS = frozenset(
    {
        "n_alerts",
        "n_alarms",
        "n_sim",
        "n_findings",
        "horizon_days",
        "landmark_day",
        "week",
        "day",
        "time",
        "side",
        "group",
        "session_number",
        "course_number",
        "onset_course_number",
        "first_alert_course",
        "first_alarm_course",
        "first_alert_onset_course",
        "first_alarm_onset_course",
        "start_year",
        "start_quarter",
    }
)
COUNT_LIKE = re.compile(r"^n_|_count$|_courses$|_events$")


@dataclass(frozen=True)
class Statistic:
    """A figure computed from counts: shown only where each of ``denominators`` present in the
    row reaches the threshold and is shown, and its ``numerator`` (if a column) is shown.

    ``numerators``: candidate numerator columns (the first present is used); ``implied``: a
    proportion whose numerator is not a column (rate x denominator gives it back, so it is
    checked like a count); ``depends``: other statistics it is computed from (hidden with them).
    """

    numerators: tuple[str, ...] = ()
    denominators: tuple[str, ...] = ()
    implied: bool = False
    depends: tuple[str, ...] = ()


def _rate(numerator: str, *denominators: str) -> Statistic:
    return Statistic((numerator,), denominators)


def _over(*denominators: str) -> Statistic:
    return Statistic((), denominators)


_FUNNEL = Statistic(("observed", "n_responders"), ("n", "n_followup"))
_LIMITS_OF_N = _over("n")  # funnel and p-chart limits at n reveal n
STATISTICS: dict[str, Statistic] = {
    "responder_rate": _rate("n_responders", "n_followup"),
    "itt_rate": _rate("n_responders", "n_eligible"),
    "substantial_rate": _rate("n_substantial_responders", "n_followup"),
    "followup_rate": _rate("n_followup", "n_eligible"),
    "full_protocol_rate": _rate("n_full_protocol", "n_courses"),
    "rehab_paired_rate": _rate("n_rehab_paired", "n_courses"),
    "screening_rate": _rate("n_screening_documented", "n_courses"),
    "g6pd_tested_rate": _rate("n_g6pd_tested", "n_g6pd_known"),
    "sessions_completed_share": _rate("n_sessions_completed", "n_sessions_planned", "n_courses"),
    "events_per_100_sessions": _rate("n_events", "n_sessions", "n_courses"),
    "serious_events_per_100_sessions": _rate("n_serious_events", "n_sessions", "n_courses"),
    "events_per_course": _rate("n_events", "n_courses"),
    "course_event_rate": _rate("n_courses_with_event", "n_courses"),
    "course_serious_event_rate": _rate("n_courses_with_serious_event", "n_courses"),
    "quit_rate": _rate("n_quit_after_flare", "n_flare"),
    "no_flare_quit_rate": _rate("n_early_quit_no_flare", "n_no_flare"),
    "cumulative_incidence": _rate("n_escalated_within_horizon", "n_courses"),
    "survival": _over("n_at_risk"),
    "std_error": _over("n_at_risk"),
    "mean_change": _over("n_courses"),
    "mean_baseline_score": _over("n_with_baseline"),
    "sd_baseline_score": _over("n_with_baseline"),
    "proportion": _rate("events", "n"),
    "rate": _FUNNEL,
    "y": _FUNNEL,
    "crude_rate": _FUNNEL,
    "oe_ratio": _FUNNEL,
    "adjusted_rate": _FUNNEL,
    "shrunken_rate": _FUNNEL,
    "shrinkage": _over("n"),
    "observed_rate": _rate("observed", "n"),
    "expected_rate": _over("n"),
    # E = sum of each course's predicted chance: about n x the clinic rate, so it gives a
    # hidden n back (methods.md section 6)
    "expected_responders": _over("n", "n_followup"),
    "expected": _over("n", "n_followup"),
    "x": _over("n"),
    "variance": _over("n"),
    "z": Statistic(("observed", "events"), ("n",)),
    "z_adjusted": Statistic(("observed", "events"), ("n",)),
    "moving_range": Statistic(("events",), ("n",)),
    "share": Statistic(("n_courses",), ()),
    "share_group_a": Statistic((), ("n_group_a",), implied=True),
    "share_group_b": Statistic((), ("n_group_b",), implied=True),
    "std_difference": Statistic(depends=("share_group_a", "share_group_b")),
    "ratio": Statistic(depends=("share_group_a", "share_group_b")),
    "odds_ratio": _over("n_with_level"),
    "p_value": _over("n_with_level"),
    **dict.fromkeys(
        (
            "binomial_sigma",
            "sigma",
            "lower_limit",
            "upper_limit",
            "lower_near_limit",
            "upper_near_limit",
        ),
        _LIMITS_OF_N,
    ),
}
# Intervals (``<prefix>_ci_lower_<level>``, ``<prefix>_lower_<level>``) and whose they are.
INTERVAL = re.compile(r"^(?P<prefix>.*?)_?(?:ci_|exact_|unadjusted_)?(?:lower|upper)_\d+(?:_\d+)?$")
PLAIN_INTERVAL_OF = (  # the statistic an unprefixed ci_lower_95 belongs to, in this order
    "responder_rate",
    "survival",
    "cumulative_incidence",
    "mean_change",
    "shrunken_rate",
    "odds_ratio",
    "observed_rate",
    "rate",
)
INTERVAL_PREFIX = {"baseline": "mean_baseline_score", "observed": "observed_rate"}
LIMITS = "limits"  # funnel limits at n (lower_95, exact_upper_99_8 ...): they reveal n
# Key columns: rows that differ in a partition key add up to a total (methods.md section 6:
# a hidden cell cannot be worked out from the other cells of its column); strata keys only
# split those lines (the same courses appear under each factor and each week).
PARTITION_KEYS = (
    "group",
    "row_group",
    "col_group",
    "path",
    "expectations",
    "period",
    "unit_id",
    "provider_id",
    "source",
    "target",
    "level",
)
STRATUM_KEYS = ("factor", "week")
# Rows at these keys are moments of a curve (a Kaplan-Meier time): no total holds them.
NO_TOTALS_KEYS = ("time",)
COURSE_ROWS = "course_id"  # a frame with this column lists courses; no cell counts anyone


def is_count(name: str, dtype: Any) -> bool:
    """Whether a column counts courses, patients or events: known to the registry, or an
    integer column whose name looks like a count (fail closed)."""
    if name in NOT_COUNTS:
        return False
    if name in KNOWN_COUNTS:
        return pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
    integer = pd.api.types.is_integer_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
    return integer and bool(COUNT_LIKE.search(name))


def count_columns(frame: pd.DataFrame) -> list[str]:
    """The count columns of ``frame`` (:func:`is_count`), in frame order."""
    return [str(c) for c, t in frame.dtypes.items() if is_count(str(c), t)]


def parent_of(name: str, present: set[str]) -> str | None:
    """The count ``name`` is a subset of in the same row, among the ``present`` columns."""
    return next((p for p in PARENT.get(name, ()) if p in present), None)


def ancestors(name: str, present: set[str]) -> list[str]:
    """Every count ``name`` nests in (parent, its parent ...) among ``present``."""
    out: list[str] = []
    parent = parent_of(name, present)
    while parent is not None and parent not in out:
        out.append(parent)
        parent = parent_of(parent, present)
    return out


def statistic_of(name: str, columns: set[str]) -> str | Statistic | None:
    """What column ``name`` is: a :class:`Statistic`, the name of the statistic whose
    interval it is, :data:`LIMITS` (a funnel limit at n), or None (not computed from counts)."""
    if name in STATISTICS:
        return STATISTICS[name]
    match = INTERVAL.match(name)
    if match is None:
        return None
    prefix = match.group("prefix")
    if prefix == "":
        if "_ci_" not in f"_{name}":
            return LIMITS
        return next((s for s in PLAIN_INTERVAL_OF if s in columns), LIMITS)
    for candidate in (INTERVAL_PREFIX.get(prefix), f"{prefix}_rate", prefix):
        if candidate is not None and candidate in columns:
            return candidate
    return LIMITS


def key_columns(frame: pd.DataFrame) -> tuple[list[str], list[str]]:
    """The partition keys and the strata keys of ``frame``, in registry order."""
    names = set(map(str, frame.columns))
    return (
        [k for k in PARTITION_KEYS if k in names],
        [k for k in STRATUM_KEYS if k in names],
    )
