"""The landmark view of adherence at day 21 (methods.md section 2).

Adherence happens after baseline and partly follows early response (people who feel worse
after session 1 quit), so a crude comparison by adherence mixes cause and effect. The
landmark view counts only the eligible courses still in care at the landmark day (a session
or an assessment on or after it) and groups them by the adherence reached by then
(sessions on day 0..landmark against planned, the rule of ``adherence_class``): the courses
whose quitting was itself an early result are left out. Still descriptive: who stays in care
differs. The per-course landmark columns are computed at load (``sql/marts/
course_facts.sql``, day = ``Settings.landmark_day``); the counts by any responder
definition come from :func:`queries.analytics.secondary.definition_counts`, the intervals
are Wilson (methods.md section 3).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from queries.analytics.query import Query
from queries.analytics.secondary import definition_counts, with_definition_rates
from queries.core import responders
from queries.core.errors import InsufficientData
from queries.core.factors import sort_rows

LANDMARK_GROUPING = "landmark_adherence"  # the factor of queries/core/factors.py


@dataclass(frozen=True)
class Landmark:
    """Responder rates by the adherence reached at the landmark day, among the courses still
    in care then.

    ``rates``: one row per adherence level reached (``group``), the counts and rates of
    :func:`queries.analytics.secondary.secondary_rates`; ``landmark_day``; ``definition``
    (``"immpact"``, ``"odi"`` or ``"omeract_oarsi"``); ``n_eligible_in_care`` (the eligible
    courses in the view) and ``n_eligible_left_out`` (eligible, but no session or assessment
    on or after the landmark day).
    """

    rates: pd.DataFrame
    landmark_day: int
    definition: str
    n_eligible_in_care: int
    n_eligible_left_out: int


def landmark_rates(
    q: Query, definition: str = responders.IMMPACT, window: str | None = None
) -> Landmark:
    """Responder rates by the adherence reached at ``Settings.landmark_day`` among eligible
    courses still in care then (methods.md section 2), by ``definition`` at the window
    ``window`` (None: the primary one). Raises :class:`InsufficientData` when no eligible
    course in view was still in care at the landmark day."""
    counts = definition_counts(q, definition, LANDMARK_GROUPING, window=window, landmark_only=True)
    everyone = definition_counts(q, definition, "all", window=window)
    n_in_care = int(counts["n_eligible"].sum())
    day = q.settings.landmark_day
    if n_in_care == 0:
        raise InsufficientData(
            f"No eligible course in view was still in care on day {day} (a session or an "
            "assessment on or after it), so there is no landmark view."
        )
    counts = counts.drop(columns="group_value_2").rename(columns={"group_value": "group"})
    return Landmark(
        rates=sort_rows(with_definition_rates(counts, q.level), LANDMARK_GROUPING),
        landmark_day=day,
        definition=definition,
        n_eligible_in_care=n_in_care,
        n_eligible_left_out=int(everyone["n_eligible"].sum()) - n_in_care,
    )
