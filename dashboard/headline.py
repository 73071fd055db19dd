"""The rules of a headline box, as text: what a count, a rate and an event rate box show and the
note under each, as the gate lets them be shown (methods.md section 6: a count from 1 to
threshold-1 reads "fewer than N", one the gate hid on the page reads "hidden", a rate that
would give a small count away is not shown). Pure, no streamlit: the pages draw these boxes
with :mod:`dashboard.widgets`, the report writes them with :mod:`dashboard.report.boxes`, so
both say the same. Definitions: methods.md sections 1, 3 (Wilson intervals) and 5 (adverse
events per 100 sessions, exact Poisson interval).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dashboard.charts.base import level_text
from dashboard.charts.rates import HIDDEN
from queries.core.settings import Settings
from queries.disclosure.gate import (
    Policy,
    count_text,
    format_interval,
    format_percent,
    rate_shown,
    shown_count,
)
from queries.stats.intervals import ProportionInterval

__all__ = [
    "HIDDEN",
    "Box",
    "count_value",
    "event_rate_box",
    "gives_small_count_away",
    "hidden_rate_text",
    "rate_box",
]

NO_VALUE = "–"  # a rate the box may not show


@dataclass(frozen=True)
class Box:
    """What one headline box shows (its label is the caller's): the value and the note under
    it."""

    value: str
    note: str


def hidden_rate_text(policy: Policy) -> str:
    """What a box says in place of a rate the gate may not show."""
    return f"rate not shown: it would give away a count under {policy.min_cell_size}"


def count_value(value: int | None, policy: Policy) -> str:
    """A count as its box shows it: '1,240', 'fewer than 11', or "hidden" where the gate hid
    it with the other counts of its page (None)."""
    return HIDDEN if value is None else count_text(value, policy)


def rate_box(
    interval: ProportionInterval,
    n_meaning: str,
    settings: Settings,
    policy: Policy,
    gated: tuple[int | None, int | None] | None = None,
) -> Box:
    """'67 %' over '95 % CI 35–88 % · 6 of 9 with follow-up'. Where the rate would give away a
    count under the threshold (its denominator, numerator or the rest:
    :func:`queries.disclosure.gate.rate_shown`), only the n. ``gated``: its numerator and
    denominator as the page's counts show them (None: hidden there, so hidden here too, and
    the rate with it)."""
    k, n = interval.successes, interval.n
    if gated is not None and None in gated:
        whole = (
            f"{n_meaning.capitalize()}: {HIDDEN}"
            if gated[1] is None
            else f"{count_text(n, policy)} {n_meaning}"
        )
        return Box(NO_VALUE, f"{whole} · {hidden_rate_text(policy)}")
    if not rate_shown(k, n, policy):
        return Box(NO_VALUE, f"{count_text(n, policy)} {n_meaning} · {hidden_rate_text(policy)}")
    bounds = format_interval(interval.lower, interval.upper, n)
    note = (
        f"{level_text(settings)} CI {bounds} · {count_text(k, policy)} of "
        f"{count_text(n, policy)} {n_meaning}"
    )
    return Box(format_percent(interval.rate, n), note)


def gives_small_count_away(events: int | None, policy: Policy) -> bool:
    """Whether an event rate would give its events away: they are a count from 1 to
    threshold-1 (the rate times the units gives them back)."""
    return bool(events) and shown_count(events, policy) is None


def event_rate_box(
    rate: float, lower: float, upper: float, note: str, settings: Settings, hide: bool = False
) -> Box:
    """An event rate per 100 units with its exact Poisson interval: '2.4' over '95 % CI
    1.9–3.0 · <note>'. Not shown ('–', and '–' for its interval) with ``hide`` (its events or
    units hidden on the page, or :func:`gives_small_count_away`), or when there is no rate
    (no units: NaN)."""
    if hide or math.isnan(rate) or math.isnan(lower):
        return Box(NO_VALUE, f"{level_text(settings)} CI {NO_VALUE} · {note}")
    return Box(f"{rate:.1f}", f"{level_text(settings)} CI {lower:.1f}–{upper:.1f} · {note}")
