"""The sessions of each course, and escalation to surgery after the last one.

One row per delivered session: numbering 1..k, session 1 at day 0, then the course's spacing
with a little jitter (days strictly increasing); concentration and volume by route, fixed for
a course. Every number comes from sample_data/parameters/.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from queries.data.contract import ROUTES
from sample_data.care import Care
from sample_data.courses import CaseMix
from sample_data.outcomes import Adherence
from sample_data.parameters import response, schedule
from sample_data.sampling import in_level_order


@dataclass(frozen=True, eq=False)
class SessionRows:
    """One entry per delivered session, in course and session order (``course`` = index)."""

    course: np.ndarray
    number: np.ndarray
    day: np.ndarray
    conc: np.ndarray
    vol: np.ndarray


def _session_days(
    rng: np.random.Generator,
    care: Care,
    k: np.ndarray,
    course: np.ndarray,
    number: np.ndarray,
    starts: np.ndarray,
) -> np.ndarray:
    """Day of each session: 0 for session 1, then spacing + jitter (uniform, by spacing)."""
    total = len(course)
    spacing = care.spacing[course]
    # one draw per spacing, in SESSION_GAP_JITTER order (the draw order)
    jitters = {
        days: rng.integers(low, high + 1, total)
        for days, (low, high) in schedule.SESSION_GAP_JITTER.items()
    }
    jitter = np.select([spacing == days for days in jitters], list(jitters.values()))
    gap = np.where(number == 1, 0, spacing + jitter)
    cum = np.cumsum(gap)
    return cum - np.repeat(cum[starts[k > 0]], k[k > 0]) if total else cum


def _by_route(
    rng: np.random.Generator,
    bounds: Callable[[schedule.Dose], tuple[float, float]],
    route: np.ndarray,
) -> np.ndarray:
    """One uniform draw per course between the (low, high) ``bounds`` of its route's dose."""
    doses = schedule.DOSE_BY_ROUTE
    low = in_level_order({r: bounds(dose)[0] for r, dose in doses.items()}, ROUTES)[route]
    high = in_level_order({r: bounds(dose)[1] for r, dose in doses.items()}, ROUTES)[route]
    return low + (high - low) * rng.random(len(route))


def build_sessions(
    rng: np.random.Generator, cm: CaseMix, care: Care, adh: Adherence
) -> SessionRows:
    """One row per delivered session: numbering 1..k, day 0 first, strictly increasing days."""
    k = adh.completed
    total = int(k.sum())
    course = np.repeat(np.arange(len(k)), k)
    starts = np.cumsum(k) - k
    number = np.arange(total) - np.repeat(starts, k) + 1
    day = _session_days(rng, care, k, course, number, starts)
    conc = np.rint(_by_route(rng, lambda dose: dose.concentration_ug_ml, cm.route))
    vol = np.round(_by_route(rng, lambda dose: dose.volume_ml, cm.route), schedule.VOLUME_DECIMALS)
    step = schedule.LARGE_VOLUME_STEP_ML
    vol = np.where(vol >= schedule.LARGE_VOLUME_ML, np.rint(vol / step) * step, vol)
    return SessionRows(course=course, number=number, day=day, conc=conc[course], vol=vol[course])


def escalation_after_last_session(
    escalated_day: np.ndarray, ses: SessionRows, n: int
) -> np.ndarray:
    """Escalation comes at least two weeks after the last session (and by the last day)."""
    last_day = np.zeros(n, dtype=np.int64)
    last_day[ses.course] = ses.day  # rows are in session order: the last one wins
    earliest = last_day + response.ESCALATION_MIN_DAYS_AFTER_LAST_SESSION
    return np.minimum(np.maximum(escalated_day, earliest), response.LAST_DAY).astype(np.int64)
