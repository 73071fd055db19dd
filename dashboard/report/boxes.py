"""The headline boxes of a report (the Overview page's metrics, as text): a count, a rate with
its interval and n, an event rate, each as the gate lets it be shown (methods.md section 6:
a count from 1 to threshold-1 reads "fewer than N", a rate that would give one away is not
shown). The same rules as dashboard/widgets.py's metrics, without streamlit.
"""

from __future__ import annotations

import math

from dashboard.charts.base import level_text
from dashboard.report.model import Metric
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

HIDDEN = "hidden"  # a count the gate hid so that a small one cannot be worked out


def hidden_rate_text(policy: Policy) -> str:
    return f"rate not shown: it would give away a count under {policy.min_cell_size}"


def count_box(label: str, value: int | None, note: str, policy: Policy) -> Metric:
    """A count already through the gate with the others of its row (None: hidden there)."""
    if value is None:
        return Metric(label, HIDDEN, note)
    return Metric(label, count_text(value, policy), note, shown_count(value, policy))


def rate_box(
    label: str,
    interval: ProportionInterval,
    n_meaning: str,
    settings: Settings,
    policy: Policy,
    gated: tuple[int | None, int | None] | None = None,
) -> Metric:
    """'67 %' with '95 % CI 35–88 % · 60 of 90 eligible'; only the n where the rate would give
    a small count away; nothing of it where ``gated`` (its numerator and denominator as the
    headline counts show them) hid one."""
    k, n = interval.successes, interval.n
    if gated is not None and None in gated:
        whole = (
            f"{n_meaning.capitalize()}: {HIDDEN}"
            if gated[1] is None
            else f"{count_text(n, policy)} {n_meaning}"
        )
        return Metric(label, "–", f"{whole} · {hidden_rate_text(policy)}")
    if not rate_shown(k, n, policy):
        return Metric(
            label, "–", f"{count_text(n, policy)} {n_meaning} · {hidden_rate_text(policy)}"
        )
    bounds = format_interval(interval.lower, interval.upper, n)
    note = (
        f"{level_text(settings)} CI {bounds} · {count_text(k, policy)} of "
        f"{count_text(n, policy)} {n_meaning}"
    )
    return Metric(label, format_percent(interval.rate, n), note)


def event_rate_box(
    label: str, rate: float, bounds: tuple[float, float], note: str, settings: Settings, hide: bool
) -> Metric:
    """An event rate per 100 units with its exact Poisson interval; '–' with ``hide`` (its
    events or units hidden, or its events a small count: the rate gives them back)."""
    lower, upper = bounds
    if hide or math.isnan(rate):
        return Metric(label, "–", f"{level_text(settings)} CI – · {note}")
    return Metric(
        label, f"{rate:.1f}", f"{level_text(settings)} CI {lower:.1f}–{upper:.1f} · {note}"
    )
