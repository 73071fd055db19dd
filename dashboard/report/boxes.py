"""The headline boxes of a report (the Overview page's metrics, as text): a count, a rate with
its interval and n, an event rate, each as the gate lets it be shown (methods.md section 6).
The rules are the pages' own (:mod:`dashboard.headline`, which dashboard/widgets.py draws);
here they become the report's :class:`Metric`.
"""

from __future__ import annotations

from dashboard import headline
from dashboard.report.model import Metric
from queries.core.settings import Settings
from queries.disclosure.gate import Policy, shown_count
from queries.stats.intervals import ProportionInterval


def count_box(label: str, value: int | None, note: str, policy: Policy) -> Metric:
    """A count already through the gate with the others of its row (None: hidden there)."""
    shown = None if value is None else shown_count(value, policy)
    return Metric(label, headline.count_value(value, policy), note, shown)


def rate_box(
    label: str,
    interval: ProportionInterval,
    n_meaning: str,
    settings: Settings,
    policy: Policy,
    gated: tuple[int | None, int | None] | None = None,
) -> Metric:
    """:func:`dashboard.headline.rate_box` as a report's box."""
    box = headline.rate_box(interval, n_meaning, settings, policy, gated)
    return Metric(label, box.value, box.note)


def event_rate_box(
    label: str, rate: float, bounds: tuple[float, float], note: str, settings: Settings, hide: bool
) -> Metric:
    """An event rate per 100 units with its exact Poisson interval; '–' with ``hide`` (its
    events or units hidden, or its events a small count: the rate gives them back)."""
    lower, upper = bounds
    box = headline.event_rate_box(rate, lower, upper, note, settings, hide)
    return Metric(label, box.value, box.note)
