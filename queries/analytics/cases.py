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

from queries.analytics.courses import course_factors
from queries.analytics.query import Query
from queries.analytics.rates import with_responder_rate, withhold_small_providers
from queries.analytics.trajectories import nrs_changes
from queries.core.factors import factor
from queries.core.scope import CLINIC
from queries.disclosure.small_cells import SmallGroups, SmallRows, declares
from queries.stats.intervals import add_rate_columns, level_suffix
from queries.stats.trajectory import trajectory_by_week

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

    def matches(self, frame: pd.DataFrame) -> pd.Series:
        """Which course rows of ``frame`` are like this case."""
        mask = pd.Series(True, index=frame.index)
        for column, value in self.picked().items():
            mask &= frame[column] == value
        return mask


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


def _flag_counts(rows: pd.DataFrame) -> pd.DataFrame:
    """Eligible, follow-up and responder flags of each course row (complete case)."""
    eligible = rows["is_eligible"].fillna(False).astype(bool)
    followup = eligible & rows["has_followup"].fillna(False).astype(bool)
    return rows.assign(
        _eligible=eligible,
        _followup=followup,
        _responder=followup & rows["is_responder"].fillna(False).astype(bool),
    )


def cases_like_this(q: Query, profile: CaseProfile) -> SimilarCourses:
    """How many similar courses were treated and how they went: one row for the clinic, then
    one per provider (a director's scope) or for the provider themself (a provider's scope).

    Columns of ``groups``: group, n_courses, n_eligible, n_followup, n_responders,
    responder_rate, ci_lower_95, ci_upper_95, itt_rate (Wilson, complete case; ITT),
    too_few_courses (a provider under ``Settings.min_provider_courses`` similar courses with
    follow-up: no responders, rates or intervals of its own, :func:`queries.analytics.rates.
    withhold_small_providers`).
    """
    clinic_rows = course_factors(q.clinic())
    clinic_rows = clinic_rows[profile.matches(clinic_rows)]
    if q.scope.provider_id is not None:
        in_scope = clinic_rows[clinic_rows["provider_id"] == q.scope.provider_id]
    else:
        in_scope = clinic_rows
    rows = _flag_counts(
        pd.concat(
            [clinic_rows.assign(group=CLINIC), in_scope.assign(group=in_scope["provider_id"])],
            ignore_index=True,
        )
    )
    counts = (
        rows.groupby("group", sort=False)
        .agg(
            n_courses=("course_id", "size"),
            n_eligible=("_eligible", "sum"),
            n_followup=("_followup", "sum"),
            n_responders=("_responder", "sum"),
        )
        .reset_index()
    )
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
    has a baseline.
    """
    courses = course_factors(q)
    changes = nrs_changes(q)
    similar = courses.loc[profile.matches(courses), "course_id"]
    rows = changes[changes["course_id"].isin(similar)]
    level = q.level
    sfx = level_suffix(level)
    columns = ["group", "week", "n_courses", "mean_change", f"ci_lower_{sfx}", f"ci_upper_{sfx}"]
    weeks = (
        trajectory_by_week(rows, None, level) if not rows.empty else pd.DataFrame(columns=columns)
    )
    return SimilarTrajectory(weeks)
