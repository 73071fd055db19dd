"""Step 8 of the causal story: adverse events after sessions.

A recorded post-injection flare after session 1 of courses with an early flare, mild or
moderate events drawn independently per session and kind, rare serious events; sorted by
course, session, day and event, with the session number left empty now and then. Every
number comes from sample_data/parameters/.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from queries.data.contract import EVENTS, ROUTES, SERIOUSNESS
from sample_data.courses import CaseMix
from sample_data.outcomes import Adherence
from sample_data.parameters import response, schedule
from sample_data.sampling import draw
from sample_data.sessions import SessionRows


@dataclass(frozen=True, eq=False)
class EventRows:
    """One entry per adverse event (``event`` indexes EVENTS, ``seriousness`` SERIOUSNESS)."""

    course: np.ndarray
    number: np.ndarray
    day: np.ndarray
    event: np.ndarray
    seriousness: np.ndarray
    number_missing: np.ndarray


def _days_after(
    rng: np.random.Generator, session_day: np.ndarray, bounds: tuple[int, int]
) -> np.ndarray:
    low, high = bounds
    return session_day + rng.integers(low, high + 1, len(session_day))


def _graded(rng: np.random.Generator, n: int, moderate_share: float) -> np.ndarray:
    """Seriousness codes: moderate with ``moderate_share``, else mild."""
    mild, moderate = SERIOUSNESS.index("mild"), SERIOUSNESS.index("moderate")
    return np.where(rng.random(n) < moderate_share, moderate, mild)


def build_adverse_events(
    rng: np.random.Generator, cm: CaseMix, adh: Adherence, ses: SessionRows
) -> EventRows:
    """Flare events after session 1, mild/moderate events per session, rare serious events."""
    course, number, sday = ses.course, ses.number, ses.day
    total = len(course)
    intra = cm.route[course] == ROUTES.index("intra_articular")
    names = [e for e in EVENTS if e in schedule.EVENT_RATE_PER_SESSION]
    rates = np.tile(np.array([schedule.EVENT_RATE_PER_SESSION[e] for e in names]), (total, 1))
    rates[intra, names.index("swelling")] = schedule.SWELLING_RATE_INTRA_ARTICULAR
    hits = rng.random((total, len(names))) < rates
    row, col = np.nonzero(hits)
    ev_course, ev_number = course[row], number[row]
    ev_code = np.array([EVENTS.index(e) for e in names])[col]
    ev_serious = _graded(rng, len(row), schedule.MODERATE_SHARE)
    ev_day = _days_after(rng, sday[row], schedule.EVENT_DAYS_AFTER_SESSION)

    serious = np.nonzero(rng.random(total) < schedule.SERIOUS_RATE_PER_SESSION)[0]
    s_kind = np.array([EVENTS.index(e) for e in schedule.SERIOUS_EVENT_WEIGHTS])[
        draw(rng, len(serious), list(schedule.SERIOUS_EVENT_WEIGHTS.values()))
    ]
    s_day = _days_after(rng, sday[serious], schedule.SERIOUS_DAYS_AFTER_SESSION)

    first = number == 1
    flare_recorded = first & adh.flare[course] & (rng.random(total) < response.FLARE_EVENT_RECORDED)
    f_rows = np.nonzero(flare_recorded)[0]
    f_serious = _graded(rng, len(f_rows), response.FLARE_EVENT_MODERATE_SHARE)
    f_day = _days_after(rng, sday[f_rows], schedule.EVENT_DAYS_AFTER_SESSION)

    out_course = np.concatenate([course[f_rows], ev_course, course[serious]])
    out_number = np.concatenate([number[f_rows], ev_number, number[serious]])
    out_day = np.concatenate([f_day, ev_day, s_day])
    flare_code = np.full(len(f_rows), EVENTS.index("post_injection_flare"), dtype=np.int64)
    out_event = np.concatenate([flare_code, ev_code, s_kind])
    serious_code = np.full(len(serious), SERIOUSNESS.index("serious"))
    out_serious = np.concatenate([f_serious, ev_serious, serious_code])
    order = np.lexsort((out_event, out_day, out_number, out_course))
    number_missing = rng.random(len(order)) < schedule.SESSION_NUMBER_MISSING
    return EventRows(
        course=out_course[order],
        number=out_number[order],
        day=out_day[order],
        event=out_event[order],
        seriousness=out_serious[order],
        number_missing=number_missing,
    )
