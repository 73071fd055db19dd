"""Results by start quarter (issue 4), on the Timeline page: p-charts (or Laney p′ charts) of
responder rate and follow-up completeness with the NHS "Making Data Count" signal rules.

Definitions: methods.md section 4 "Trend" (p-chart, 3-sigma limits, the signal rules; Laney's
p′ when the periods vary more than binomially, Laney 2002). Title, subtitle, legend and
caption say which chart is drawn and why. The centre and the limits are lines; a point
flagged by a rule carries an extra open marker of its own shape, with its own legend entry.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts import base
from queries.analytics.trends import TrendPChart
from queries.core.settings import Settings
from queries.disclosure.gate import Policy, count_text, format_percent, present, rate_shown
from queries.stats.laney import LANEY, P_CHART
from queries.stats.spc import SIGNAL_COLUMNS

MEASURE_TITLES = {"responder": "Responder rate", "followup": "Follow-up completeness"}
QUARTERS_SHOWN = 12  # more quarters than this: tick only the first quarter of each year


CHART_NAMES = {P_CHART: "p-chart", LANEY: "Laney p′ chart"}


def pchart_title(chart: TrendPChart) -> str:
    """What the figure shows, and which chart it is (p or Laney p′)."""
    name = CHART_NAMES[chart.choice.chart]
    return f"{MEASURE_TITLES[chart.measure]} by start {chart.period_kind} ({name})"


def limits_text(chart: TrendPChart) -> str:
    """The limits in symbols: p̄ ± 3σ, or p̄ ± 3σ·σ_z for Laney's p′ (σ_z written out)."""
    if chart.is_laney:
        return f"p̄ ± {chart.limit_sigmas:g}σ·σ_z (σ_z = {chart.choice.sigma_z:.2f})"
    return f"p̄ ± {chart.limit_sigmas:g}σ"


def signal_styles(chart: TrendPChart) -> dict[str, tuple[str, str, int]]:
    """Signal rule -> (legend name, open marker, size): nested sizes so that a point flagged
    by two rules shows both marks."""
    return {
        "signal_beyond_limits": ("Signal: beyond a limit", "circle-open", 22),
        "signal_shift": (f"Signal: shift ({chart.shift_run}+ on one side)", "square-open", 18),
        "signal_trend": (
            f"Signal: trend ({chart.trend_run}+ rising or falling)",
            "triangle-up-open",
            15,
        ),
        "signal_two_of_three": ("Signal: 2 of 3 close to a limit", "diamond-open", 13),
    }


def shown_points(chart: TrendPChart, policy: Policy) -> pd.DataFrame:
    """The points as a page shows them (chart and table): without the centre where the
    overall rate, with the n the subtitle states, would give away a count under the
    threshold (its events, or the rest of its n; methods.md section 6)."""
    events = round(chart.centre * chart.n_total) if chart.n_total else 0
    if rate_shown(events, chart.n_total, policy):
        return chart.points
    return chart.points.assign(centre=float("nan"))


def pchart_chart(chart: TrendPChart, settings: Settings, policy: Policy) -> go.Figure:
    """Proportion per period with the centre line and the 3-sigma limits as lines; points
    flagged by a Making Data Count rule carry an extra marker with its own legend entry."""
    pts = present(
        shown_points(chart, policy),
        [
            "period",
            "n",
            "events",
            "proportion",
            "centre",
            "lower_limit",
            "upper_limit",
            *SIGNAL_COLUMNS,
        ],
        policy,
    )
    x = pts["period"].astype(str).tolist()
    fig = go.Figure()
    limits = (
        f"Limits ({chart.limit_sigmas:g}σ·σ_z)"
        if chart.is_laney
        else f"Limits ({chart.limit_sigmas:g}σ)"
    )
    for name, col in (
        (limits, "upper_limit"),
        (limits, "lower_limit"),
        ("Centre (overall rate)", "centre"),
    ):
        centre = col == "centre"
        fig.add_scatter(
            x=x,
            y=base.plain(pts[col]),
            name=name,
            mode="lines",
            line=dict(
                color=base.OKABE_ITO["black"] if centre else base.NEUTRAL,
                width=1.6 if centre else 1.2,
                shape="hvh",
            ),
            hoverinfo="skip",
            legendgroup=name,
            showlegend=col != "lower_limit",
        )
    colour = base.series_style(0).colour
    fig.add_scatter(
        x=x,
        y=base.plain(pts["proportion"]),
        name=MEASURE_TITLES[chart.measure],
        mode="lines+markers",
        line=dict(color=colour, width=1.5),
        marker=dict(color=colour, size=7),
        customdata=[
            [format_percent(p, n), base.count_text(e), base.count_text(n)]
            for p, e, n in zip(pts["proportion"], pts["events"], pts["n"], strict=True)
        ],
        hovertemplate=(
            "%{x}: %{customdata[0]}<br>%{customdata[1]} of %{customdata[2]}<extra></extra>"
        ),
    )
    signal = base.OKABE_ITO["vermillion"]
    for rule, (name, symbol, size) in signal_styles(chart).items():
        flagged = pts[pts[rule]]
        if flagged.empty:
            continue
        fig.add_scatter(
            x=flagged["period"].astype(str).tolist(),
            y=flagged["proportion"].tolist(),
            name=name,
            mode="markers",
            marker=dict(symbol=symbol, size=size, color=signal, line=dict(width=2, color=signal)),
            hovertemplate=f"%{{x}}: {name}<extra></extra>",
        )
    fig.update_layout(
        yaxis=dict(title=MEASURE_TITLES[chart.measure], range=[-0.04, 1.06], tickformat=".0%"),
        xaxis=dict(
            title=f"Start {chart.period_kind}",
            type="category",
            categoryorder="array",
            categoryarray=x,
            tickangle=0,
            tickvals=_period_ticks(x, chart.period_kind),
        ),
    )
    return base.base_layout(
        fig,
        pchart_title(chart),
        f"{chart.description} · limits {limits_text(chart)} · "
        f"n = {count_text(chart.n_total, policy)}",
    )


def _period_ticks(periods: list[str], kind: str) -> list[str]:
    """Every period when they fit; otherwise the first quarter of each year."""
    if kind != "quarter" or len(periods) <= QUARTERS_SHOWN:
        return periods
    return [p for p in periods if p.endswith("Q1")] or periods


def pchart_caption(chart: TrendPChart) -> str:
    """Which chart is drawn and why (p or Laney p′), how to read it, its rules, and how its
    periods were made."""
    found = (
        "Marked points are special-cause variation worth a look, not a verdict."
        if chart.has_signal
        else "No rule fires: only common-cause variation."
    )
    periods = (
        "Most courses have no start quarter (Safe Harbor extracts), so the periods "
        "fell back to start years."
        if chart.period_kind == "year"
        else f"Left out: {_courses(chart.n_courses_without_period)} without a start quarter."
        if chart.n_courses_without_period
        else ""
    )
    not_due = (
        f"Left out as not yet due: {_courses(chart.n_not_yet_due)} whose follow-up window "
        "had not closed by the extract (methods.md section 1), so recent periods do not dip."
        if chart.n_not_yet_due
        else ""
    )
    rules = (
        f'Signal rules of NHS "Making Data Count": a point beyond a limit; a shift of '
        f"{chart.shift_run}+ points on one side of the centre; a trend of "
        f"{chart.trend_run}+ points rising or falling; 2 of 3 points close to a limit "
        f"(beyond {chart.near_limit_sigmas:g}σ{'·σ_z' if chart.is_laney else ''})."
    )
    parts = (chart.choice.reason, rules, found, periods, not_due)
    return " ".join(part for part in parts if part)


def _courses(n: int) -> str:
    return f"{n:,} course" if n == 1 else f"{n:,} courses"


def pchart_columns(chart: TrendPChart) -> dict[str, str]:
    return {
        "period": f"Start {chart.period_kind}",
        "n": "n",
        "events": "Events",
        "n_not_yet_due": "Not yet due",
        "proportion": "Rate",
        "centre": "Centre",
        "lower_limit": "Lower limit",
        "upper_limit": "Upper limit",
        "signal_beyond_limits": "Beyond a limit",
        "signal_shift": "Shift",
        "signal_trend": "Trend",
        "signal_two_of_three": "2 of 3 close to a limit",
    }


PCHART_PERCENT = ("proportion", "centre", "_limit")
