"""Whether results drift from quarter to quarter (issue 4; methods.md section 4 "Trend").

``sql/analytics/trend_quarterly_counts.sql`` counts eligible courses, follow-up and
responders per start quarter; :func:`queries.stats.laney.trend_chart` draws the limits and
the NHS "Making Data Count" signal rules: the p-chart, or Laney's p′ chart when the periods
vary more than binomially (sigma_z > 1; methods.md section 4 "Trend", Laney 2002), the
choice and its reason kept with the chart. Periods fall back to start years when most
courses have no start quarter (Safe Harbor extracts).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd

from queries.analytics.query import Query
from queries.core.errors import InsufficientData
from queries.stats.laney import LANEY, ChartChoice, trend_chart
from queries.stats.spc import MDC_RULES, PChart

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
    say what is plotted; ``choice`` which chart is drawn (p or Laney p′) and why, and
    ``points`` has Laney's ``binomial_sigma``, ``z`` and ``moving_range`` columns besides
    ``sigma`` (binomial_sigma·factor). Periods run chronologically from the first to the
    last with courses; periods in between with no courses have n = 0 (no point). ``n_not_yet_due``
    courses of the periods were left out of every denominator because their window had not
    closed by the extract (methods.md section 1 "Not yet due"), so the latest periods do not
    dip; ``points`` says how many per period (column ``n_not_yet_due``).
    """

    measure: str
    description: str
    period_kind: str
    n_courses_without_period: int
    n_not_yet_due: int
    choice: ChartChoice  # p-chart or Laney p′, its sigma_z and the reason (laney.choose_chart)

    @property
    def is_laney(self) -> bool:
        """Whether the limits are Laney's p′ (widened by sigma_z), not the binomial ones."""
        return self.choice.chart == LANEY


def _periods(counts: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Sum counts per period (quarter or year) and fill the gaps chronologically."""
    value_cols = ["n_courses", "n_eligible", "n_followup", "n_responders", "n_not_yet_due"]
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


def quarterly_pchart(q: Query, measure: str = "responder", chart: str = "auto") -> TrendPChart:
    """Quarterly p-chart of the responder rate or follow-up completeness (methods.md section 4:
    limits p̄ ± 3 sqrt(p̄(1-p̄)/n), NHS "Making Data Count" signal rules), or Laney's p′ chart
    (limits widened by sigma_z) when the periods vary more than binomially:
    :func:`queries.stats.laney.trend_chart`; ``chart`` = ``"auto"`` (that rule), ``"p"`` or
    ``"p_prime"``. ``measure``: ``"responder"`` (events = responders, n = eligible courses with
    follow-up) or ``"followup"`` (events = eligible with follow-up, n = eligible), both at
    the primary window. Periods are start quarters; when more than half the courses have no
    start_quarter (Safe Harbor) the periods are start years (``period_kind == "year"``).
    Courses not yet due at the primary window (methods.md section 1) are in no denominator
    (``n_not_yet_due`` says how many). Raises :class:`InsufficientData` when no period has a
    course in the denominator.
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
    if periods[n_col].sum() == 0 and periods["n_not_yet_due"].sum() == periods["n_courses"].sum():
        window = q.settings.window()
        raise InsufficientData(
            f"No course in these filters is due for the {window.name} follow-up yet (its "
            f"window closes on day {window.last_day}); the {measure} chart needs due courses."
        )
    if periods[n_col].sum() == 0:
        raise InsufficientData(
            f"No course has a value for the {measure} chart ({description}) in these filters."
        )
    drawn = trend_chart(
        periods, period_col="period", n_col=n_col, events_col=events_col, chart=chart
    )
    base = {
        "points": drawn.points,
        "centre": drawn.centre,
        "n_total": drawn.n_total,
        "events_total": drawn.events_total,
        **asdict(MDC_RULES),
    }
    base["points"] = base["points"].assign(n_not_yet_due=periods["n_not_yet_due"].to_numpy())
    return TrendPChart(
        **base,
        measure=measure,
        description=description,
        period_kind=kind,
        n_courses_without_period=n_no_quarter if kind == "quarter" else 0,
        n_not_yet_due=int(periods["n_not_yet_due"].sum()),
        choice=drawn.choice,
    )
