"""Cases like this one: how similar courses went, for the patient in front of a provider
(issue 3; methods.md sections 1, 5 and 6).

A :class:`CaseProfile` names what is known of the patient (indication, severity, age band,
rehab plan; None = any). :func:`cases_like_this` counts the similar courses of the clinic
and of each provider in scope; :func:`trajectory_like_this` gives their mean change in pain
week by week. Both results declare their frames subject to small-cell hiding
(:mod:`queries.disclosure.small_cells`); the gate (:func:`queries.disclosure.gate.disclose`)
hides with the viewer's threshold. Course-level rows stay in the core.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from queries.analytics.query import Query
from queries.analytics.rates import with_responder_rate, withhold_small_providers
from queries.analytics.trajectories import weekly_moments
from queries.core.factors import factor
from queries.core.scope import CLINIC
from queries.disclosure.small_cells import SmallGroups, SmallRows, declares
from queries.stats.intervals import add_rate_columns
from queries.stats.trajectory import ALL_COURSES, summarise_moments

ANY = "any"  # the "no restriction" choice of each "cases like this" picker


@dataclass(frozen=True)
class CaseProfile:
    """The patient in front of the provider; None = any."""

    indication: str | None = None
    severity_class: str | None = None
    age_band: str | None = None
    rehab: str | None = None

    def __post_init__(self) -> None:
        for column, value in self.picked().items():
            allowed = factor(column).levels
            if value not in allowed:
                raise ValueError(f"{value!r} is not one of {', '.join(allowed)}")

    def picked(self) -> dict[str, str]:
        """The factors this case fixes, by course column (the others are open)."""
        chosen = {
            "indication": self.indication,
            "severity_class": self.severity_class,
            "age_band": self.age_band,
            "rehab": self.rehab,
        }
        return {column: value for column, value in chosen.items() if value is not None}

    def like(self) -> dict[str, str | None]:
        """The case as the ``$like`` parameter of the SQL that narrows to similar courses."""
        return {
            "indication": self.indication,
            "severity_class": self.severity_class,
            "age_band": self.age_band,
            "rehab": self.rehab,
        }


def case_profile(
    indication: str = ANY, severity_class: str = ANY, age_band: str = ANY, rehab: str = ANY
) -> CaseProfile:
    """The picked case; ``"any"`` (or None) leaves that factor open."""

    def value(choice: str | None) -> str | None:
        return None if choice in (None, ANY) else choice

    return CaseProfile(
        indication=value(indication),
        severity_class=value(severity_class),
        age_band=value(age_band),
        rehab=value(rehab),
    )


@dataclass(frozen=True)
class SimilarCourses:
    """How similar courses went (:func:`cases_like_this`): ``groups`` has one row for the
    clinic, then one per provider in scope; groups with few courses with follow-up are
    hidden by the gate (complementary suppression included)."""

    groups: pd.DataFrame = field(metadata=declares(SmallGroups(denominator="n_followup")))


def cases_like_this(q: Query, profile: CaseProfile) -> SimilarCourses:
    """How many similar courses were treated and how they went: one row for the clinic, then
    one per provider (a director's scope) or for the provider themself (a provider's scope).

    Columns of ``groups``: group, n_courses, n_eligible, n_followup, n_responders,
    responder_rate, ci_lower_95, ci_upper_95, itt_rate (Wilson, complete case; ITT),
    too_few_courses (a provider under ``Settings.min_provider_courses`` similar courses with
    follow-up: no responders, rates or intervals of its own, :func:`queries.analytics.rates.
    withhold_small_providers`). One query counts per provider over the clinic
    (``sql/analytics/cases_like_this_counts.sql``); the clinic's row is their sum.
    """
    per_provider = q.clinic().run(
        "analytics/cases_like_this_counts", window=q.settings.primary_window, like=profile.like()
    )
    count_cols = ["n_courses", "n_eligible", "n_followup", "n_responders"]
    clinic = pd.DataFrame(
        [{"group": CLINIC, **per_provider[count_cols].sum().to_dict()}]
        if len(per_provider)
        else [],
        columns=["group", *count_cols],
    )
    if q.scope.provider_id is not None:
        per_provider = per_provider[per_provider["provider_id"] == q.scope.provider_id]
    counts = pd.concat(
        [clinic, per_provider.rename(columns={"provider_id": "group"})[["group", *count_cols]]],
        ignore_index=True,
    )
    counts[count_cols] = counts[count_cols].astype(int)
    level = q.level
    counts = add_rate_columns(
        with_responder_rate(counts, level), "n_responders", "n_eligible", "itt", level
    )
    # methods.md 4: a provider under 20 similar courses with follow-up gets no rate of its own
    is_provider = counts["group"] != CLINIC
    counts = withhold_small_providers(counts, q.settings.min_provider_courses, is_provider)
    counts["_k"] = counts["group"] != CLINIC
    return SimilarCourses(
        counts.sort_values(["_k", "group"]).drop(columns="_k").reset_index(drop=True)
    )


@dataclass(frozen=True)
class SimilarTrajectory:
    """The mean change in NRS pain by week of similar courses (:func:`trajectory_like_this`):
    weeks with few courses keep their row with the numbers hidden by the gate; when no week
    is left the gate raises :class:`~queries.core.errors.InsufficientData`."""

    weeks: pd.DataFrame = field(
        metadata=declares(
            SmallRows(
                count="n_courses",
                keep=("group", "week"),
                when_all_hidden=(
                    "Fewer than {min_cell_size} similar courses with a pain score in any "
                    "week, so their trajectory is hidden."
                ),
            )
        )
    )


def trajectory_like_this(q: Query, profile: CaseProfile) -> SimilarTrajectory:
    """Mean change in NRS pain by week among the courses in scope matching ``profile``.

    ``weeks`` has the columns of :func:`queries.stats.trajectory.trajectory_by_week` (one
    group, t intervals at the settings' confidence level), no rows when no similar course
    has a baseline. One query over the weeks assigned at load time
    (:func:`queries.analytics.trajectories.weekly_moments`).
    """
    moments = weekly_moments(q, like=profile.like())
    return SimilarTrajectory(summarise_moments(moments.assign(group=ALL_COURSES), q.level))
