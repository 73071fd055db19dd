"""Whether results drift from quarter to quarter (issue 4; methods.md section 4 "Trend").

``sql/analytics/trend_quarterly_counts.sql`` counts eligible courses, follow-up and
responders per start quarter; :func:`queries.stats.spc.p_chart` draws the limits and the NHS
"Making Data Count" signal rules. Periods fall back to start years when most courses have no
start quarter (Safe Harbor extracts).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import pandas as pd

from queries.analytics.query import Query
from queries.core.errors import InsufficientData
from queries.stats.spc import PChart, p_chart

TREND_MEASURES = {
    # measure -> (events column, n column, what it shows)
    "responder": (
        "n_responders",
        "n_followup",
        "responders / eligible courses with a follow-up value (complete case)",
    ),
    "followup": (
        "n_followup",
        "n_eligible",
        "eligible courses with a follow-up value / eligible courses",
    ),
}
# Fall back to yearly periods when more than this share of courses has no start_quarter
# (Safe Harbor extracts leave the quarter empty; data-contract.md).
MAX_MISSING_QUARTER_SHARE = 0.5


@dataclass(frozen=True)
class TrendPChart(PChart):
    """A :class:`queries.stats.spc.PChart` over start periods, with how the periods were made.

    ``period_kind`` is ``"quarter"`` (periods ``2023-Q1`` ...) or ``"year"`` (``2023`` ...;
    used when most courses have no start_quarter); ``n_courses_without_period`` courses
    were left out (no start_quarter on a quarterly chart); ``measure`` and ``description``
    say what is plotted. Periods run chronologically from the first to the last with
    courses; periods in between with no courses have n = 0 (no point).
    """

    measure: str
    description: str
    period_kind: str
    n_courses_without_period: int


def _periods(counts: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Sum counts per period (quarter or year) and fill the gaps chronologically."""
    value_cols = ["n_courses", "n_eligible", "n_followup", "n_responders"]
    if kind == "quarter":
        known = counts[counts["start_quarter"].notna()]
        index = known["start_year"].astype(int) * 4 + known["start_quarter"].astype(int) - 1
    else:
        known = counts
        index = known["start_year"].astype(int)
    summed = known.assign(_i=index.to_numpy()).groupby("_i")[value_cols].sum()
    full = summed.reindex(range(int(summed.index.min()), int(summed.index.max()) + 1), fill_value=0)
    if kind == "quarter":
        labels = [f"{i // 4}-Q{i % 4 + 1}" for i in full.index]
    else:
        labels = [str(i) for i in full.index]
    return full.reset_index(drop=True).assign(period=labels)


def quarterly_pchart(q: Query, measure: str = "responder") -> TrendPChart:
    """Quarterly p-chart of the responder rate or follow-up completeness (methods.md section 4:
    limits p̄ ± 3 sqrt(p̄(1-p̄)/n), NHS "Making Data Count" signal rules; :func:`queries.stats.spc.
    p_chart`). ``measure``: ``"responder"`` (events = responders, n = eligible courses with
    follow-up) or ``"followup"`` (events = eligible with follow-up, n = eligible), both at
    the primary window. Periods are start quarters; when more than half the courses have no
    start_quarter (Safe Harbor) the periods are start years (``period_kind == "year"``).
    Raises :class:`InsufficientData` when no period has a course in the denominator.
    """
    if measure not in TREND_MEASURES:
        raise ValueError(f"no trend measure {measure!r}; use one of {', '.join(TREND_MEASURES)}")
    events_col, n_col, description = TREND_MEASURES[measure]
    counts = q.run("analytics/trend_quarterly_counts", window=q.settings.primary_window)
    n_courses = int(counts["n_courses"].sum())
    if n_courses == 0:
        raise InsufficientData("No courses match these filters.")
    n_no_quarter = int(counts.loc[counts["start_quarter"].isna(), "n_courses"].sum())
    kind = "year" if n_no_quarter > MAX_MISSING_QUARTER_SHARE * n_courses else "quarter"
    periods = _periods(counts, kind)
    if periods[n_col].sum() == 0:
        raise InsufficientData(
            f"No course has a value for the {measure} chart ({description}) in these filters."
        )
    chart = p_chart(periods, period_col="period", n_col=n_col, events_col=events_col)
    base = {f.name: getattr(chart, f.name) for f in fields(chart)}
    return TrendPChart(
        **base,
        measure=measure,
        description=description,
        period_kind=kind,
        n_courses_without_period=n_no_quarter if kind == "quarter" else 0,
    )
